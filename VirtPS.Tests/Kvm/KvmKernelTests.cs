using VirtPS.Engine;
using VirtPS.Engine.Cpu;
using VirtPS.Engine.Guests;
using VirtPS.Engine.Kvm;
using Xunit;
using Xunit.Abstractions;

namespace VirtPS.Tests.Kvm;

/// <summary>The built-in kernel and its workloads on KVM beside the simulator's HardwareAssisted style.</summary>
public class KvmKernelTests(ITestOutputHelper output)
{
    static readonly TimeSpan Limit = TimeSpan.FromSeconds(120);

    void Show(BackendComparison c)
    {
        output.WriteLine($"host: {c.Host.Implementation}; divergences: {(c.Host.Divergences.Count == 0 ? "none" : string.Join(" | ", c.Host.Divergences))}");
        output.WriteLine($"simulator: {c.Simulator.StopReason}, {c.Simulator.HostSeconds * 1e3:F1} ms, {c.Simulator.TotalExits} exits");
        output.WriteLine($"KVM:       {c.Kvm.StopReason}, {c.Kvm.HostSeconds * 1e3:F1} ms, {c.Kvm.TotalExits} exits to the VMM, {c.Kvm.MicrosecondsPerExit:F1} us per exit");
        foreach (var r in c.KvmExits.ByReason) output.WriteLine($"  KVM_EXIT_{r.Reason}: {r.Count}, mean {r.MeanMicroseconds:F1} us, min {r.MinMicroseconds:F1} us");
        foreach (var row in c.Exits) output.WriteLine("  " + row);
        foreach (var d in c.Disagreements) output.WriteLine("disagrees: " + d);
        output.WriteLine("simulator console:\n" + c.Simulator.Console);
        output.WriteLine("KVM console:\n" + c.Kvm.Console);
    }

    [KvmKernelTheory]
    [InlineData("syscall")]
    [InlineData("in")]
    public void Workload_UnderKvm_PrintsTheSimulatorsConsole_WithTheSameUartExits(string workload)
    {
        var c = BackendComparison.Workload(workload, timeLimit: Limit);
        Show(c);
        Assert.Equal(StopReason.Halt, c.Kvm.StopReason);
        Assert.True(c.ConsoleMatches, string.Join("\n", c.Disagreements));
        Assert.NotNull(VirtPS.Engine.Guests.Kernel.ParseSummary(c.Kvm.Console));
        Assert.True(c.Exits.Single(e => e.Exit.StartsWith("IoInstruction: UART")).Agrees);
        if (workload == "in")
        {
            var port80 = c.Exits.Single(e => e.Exit == "IoInstruction: port 0x80");
            Assert.Equal(10_000, port80.Kvm);
            Assert.True(port80.Agrees);
        }
        Assert.True(c.Exits.Single(e => e.Exit.StartsWith("Rdmsr/Wrmsr: MSRs the VMM models")).Agrees);
    }

    /// <summary>The kernel's tick is IA32_PMC0 counting user instructions; under KVM the PMU MSRs reach VirtPS's PMU
    /// model, which sees no instruction retire, so the tick never fires: a CPU-bound pair of processes gets timer
    /// switches on the simulator and none on KVM, and the kernel otherwise runs the same.</summary>
    [KvmKernelFact]
    public void TheSchedulingTick_DoesNotFireUnderKvm()
    {
        var c = BackendComparison.Workload("compute", iterations: 20_000, processes: 2, timerPeriod: 10_000, timeLimit: Limit);
        Show(c);
        var s = VirtPS.Engine.Guests.Kernel.ParseSummary(c.Simulator.Console)!;
        var k = VirtPS.Engine.Guests.Kernel.ParseSummary(c.Kvm.Console)!;
        Assert.True(s.TimerSwitches > 0);
        Assert.Equal(0, k.Ticks);
        Assert.Equal(0, k.TimerSwitches);
        Assert.Equal(s.Syscalls, k.Syscalls);
        Assert.Equal(s.Processes, k.Processes);
    }

    [KvmFact]
    public void AKernelGuest_IsRefusedWithTheReason_WhereTheHostCannotRunIt()
    {
        var profile = KvmHostProfile.For();
        output.WriteLine($"{profile.Implementation}: {(profile.Divergences.Count == 0 ? "no divergences" : string.Join(" | ", profile.Divergences))}");
        output.WriteLine($"instructions the host's emulator ran per 1000 the guest retired at CPL 0: {profile.EmulatedPerThousandKernelInstructions?.ToString() ?? "unknown"}");
        var g = Guest.CreateWorkload("k", "syscall", iterations: 10, style: VirtualizationStyle.HardwareAssisted);
        if (profile.CanRunBuiltInKernel)
        {
            using var vm = g.CreateKvm();
            Assert.Equal(RunStop.Halt, vm.Run(Limit).Stop);
            return;
        }
        var e = Assert.Throws<VirtPSException>(() => g.CreateKvm());
        Assert.Equal(KvmBackend.KvmUnavailableErrorId, e.ErrorId);
        Assert.Contains("SYSCALL", e.Message);
        Assert.Contains("cannot run the built-in kernel", e.Message);
        // a bare guest still runs on the same host
        using var bare = Guest.Create("b", VirtualizationStyle.Native, 16, [0xF4]).CreateKvm();
        Assert.Equal(RunStop.Halt, bare.Run(Limit).Stop);
    }

    /// <summary>
    /// Whatever the host, the kernel's boot runs on KVM against the simulator's own models: its console through the
    /// UART (two exits per byte: an LSR poll and a THR write), IA32_APIC_BASE, the x2APIC (spurious vector, the
    /// LVT PMI entry, the boot self-test's SELF IPI and its EOI) and the PMU (PERFEVTSEL0, A_PMC0) through MSR
    /// exits, and the self-test's interrupt injected into it. On a host that can run the kernel the whole console
    /// is the simulator's; on one that cannot, the first line is, and the rest is what the host made of SYSCALL.
    /// </summary>
    [KvmFact]
    public void TheKernelsBoot_IsServedByTheSimulatorsUartApicAndPmuModels()
    {
        var sim = Guest.CreateWorkload("sim", "syscall", iterations: 100, style: VirtualizationStyle.HardwareAssisted);
        var g = Guest.CreateWorkload("kvm", "syscall", iterations: 100, style: VirtualizationStyle.HardwareAssisted);
        using var vm = g.CreateKvm(evenOnDivergentHost: true);
        sim.Pcid = vm.Cpuid.Pcid;
        Assert.Equal(StopReason.Halt, sim.Step(100_000_000).StopReason);
        var r = vm.Run(Limit);
        string console = g.Machine.Console.Output;
        output.WriteLine(console);
        foreach (var kv in vm.Exits.MsrExitsByIndex) output.WriteLine($"MSR 0x{kv.Key:X}: {kv.Value} exits");
        foreach (var kv in vm.KernelStatistics().Where(kv => kv.Value != 0)) output.WriteLine($"kernel statistic {kv.Key} = {kv.Value}");
        output.WriteLine($"boot self-test IPI taken {g.ReadKernelVariable("boot_ipis")} time(s), at CPL {g.ReadKernelVariable("boot_ipi_cpl")} (simulator: CPL {sim.ReadKernelVariable("boot_ipi_cpl")})");

        Assert.Equal(RunStop.Halt, r.Stop);                       // the kernel's last CLI; HLT
        Assert.StartsWith("virtps kernel: booting\n", console);
        Assert.NotNull(VirtPS.Engine.Guests.Kernel.ParseSummary(console));
        Assert.Equal(2L * console.Length, vm.Exits.IoExits(0x3F8, 8));
        foreach (uint msr in new uint[] { 0x1B, 0x80F, 0x834, 0x83F, 0x80B, 0x186, 0x4C1 })
            Assert.True(vm.Exits.MsrExitsByIndex.ContainsKey(msr), $"MSR 0x{msr:X} did not reach the VMM");
        Assert.Equal(1UL, g.ReadKernelVariable("boot_ipis"));
        Assert.Equal(1, vm.Exits.InterruptsInjected);
        Assert.Equal(PerformanceMonitoring.InstructionsRetired | PerformanceMonitoring.Usr | PerformanceMonitoring.Int | PerformanceMonitoring.Enable,
            g.Machine.Cpu.Pmu.PerfEvtSel0);                       // the kernel programmed the model's counter
        if (vm.Host.CanRunBuiltInKernel) Assert.Equal(sim.Machine.Console.Output, console);
        else Assert.Contains("killed by #PF", console);           // its first SYSCALL ran the kernel's entry at CPL 3
    }

    /// <summary>The comparison the issue asks for, on whatever this host is: it runs, lists every kind of exit on
    /// both sides, and says where they disagree. Per byte printed, both make the same two UART exits.</summary>
    [KvmTheory]
    [InlineData("syscall")]
    [InlineData("in")]
    public void TheComparison_ListsBothBackendsSideBySide_AndEveryDisagreement(string workload)
    {
        var c = BackendComparison.Workload(workload, timeLimit: Limit);
        Show(c);
        Assert.Equal(StopReason.Halt, c.Simulator.StopReason);
        Assert.Equal(StopReason.Halt, c.Kvm.StopReason);
        var uart = c.Exits.Single(e => e.Exit.StartsWith("IoInstruction: UART"));
        Assert.Equal(2L * c.Simulator.Console.Length, uart.Simulator);
        Assert.Equal(2L * c.Kvm.Console.Length, uart.Kvm);
        Assert.Equal(uart.Simulator == uart.Kvm, uart.Agrees);
        Assert.Contains(c.Exits, e => e.Exit == "Cpuid" && e.Simulator > 0 && !e.Agrees && e.Note.Contains("KVM_SET_CPUID2"));
        Assert.All(c.Exits.Where(e => !e.Agrees), e => Assert.Contains(c.Disagreements, d => d.Contains(e.Exit)));
        Assert.Equal(c.ConsoleMatches, !c.Disagreements.Any(d => d.StartsWith("Console")));
        Assert.True(c.KvmKernelStatistics.Count > 0);
        if (c.Host.CanRunBuiltInKernel) Assert.True(c.ConsoleMatches);
    }
}
