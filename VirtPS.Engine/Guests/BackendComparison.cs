using VirtPS.Engine.Kvm;
using VirtPS.Engine.Cpu;
using VirtPS.Engine.Guests;
using VirtPS.Engine.Styles;
using VirtPS.Engine.Trace;

namespace VirtPS.Engine.Guests;

/// <summary>
/// The same guest run on the simulator's HardwareAssisted style (VT-x as the engine models it, with EPT) and on
/// the host's KVM, side by side: console, final registers (for bare programs), exits by reason from each, host
/// time. Each kind of exit is set against its counterpart, and every count on which the two disagree is listed
/// in <see cref="Disagreements"/> with the reason. Both guests see the same CPUID: a feature the host's KVM
/// withholds (PCID on some hosts) is withheld from the simulated guest too.
/// </summary>
public sealed class BackendComparison
{
    const ushort UartBase = Io.Uart16550.Com1;

    BackendComparison(string name, BackendRun simulator, BackendRun kvm, IReadOnlyList<ExitCountComparison> exits, IReadOnlyList<string> disagreements,
        KvmHostProfile host, IReadOnlyDictionary<string, long> kernelStatistics, KvmExitStatistics kvmExits)
    {
        Name = name; Simulator = simulator; Kvm = kvm; Exits = exits; Disagreements = disagreements; Host = host;
        KvmKernelStatistics = kernelStatistics; KvmExits = kvmExits;
    }

    /// <summary>The workload's name, or the bare program's.</summary>
    public string Name { get; }
    public BackendRun Simulator { get; }
    public BackendRun Kvm { get; }
    /// <summary>Each kind of exit on both backends.</summary>
    public IReadOnlyList<ExitCountComparison> Exits { get; }
    /// <summary>Where the two runs differ (console, registers, stop, exit counts), each with why.</summary>
    public IReadOnlyList<string> Disagreements { get; }
    public KvmHostProfile Host { get; }
    /// <summary>The host kernel's own counts for the KVM vCPU (every exit, those it handled itself included).</summary>
    public IReadOnlyDictionary<string, long> KvmKernelStatistics { get; }
    /// <summary>KVM's exits that reached the VMM, with host time per reason.</summary>
    public KvmExitStatistics KvmExits { get; }
    public bool ConsoleMatches => Simulator.Console == Kvm.Console;
    public bool RegistersMatch => Simulator.Registers.All(kv => Kvm.Registers.TryGetValue(kv.Key, out var v) && v == kv.Value);

    /// <summary>Runs the built-in kernel with <paramref name="workload"/> on both backends. The KVM guest runs even
    /// on a host that cannot run the kernel faithfully, so that what it does differently is seen.</summary>
    public static BackendComparison Workload(string workload, long? iterations = null, int? processes = null,
        long timerPeriod = Kernel.DefaultTimerPeriod, TimeSpan? timeLimit = null, long simulatorInstructions = 2_000_000_000,
        string devicePath = KvmBackend.DefaultDevicePath, IReadOnlyDictionary<string, long>? parameters = null, CancellationToken cancel = default)
    {
        Guest Make(string side, bool? pcid) => Guest.CreateWorkload($"{workload}-{side}", workload, iterations, processes,
            timerPeriod: timerPeriod, style: VirtualizationStyle.HardwareAssisted, parameters: parameters, pcid: pcid);
        return Run(workload, () => Make("kvm", null), pcid => Make("simulator", pcid), bare: false, timeLimit, simulatorInstructions, devicePath, cancel);
    }

    /// <summary>Runs a bare program (no kernel, CPL 0 at <paramref name="loadAddress"/>) on both backends.</summary>
    public static BackendComparison Bare(string name, byte[] image, ulong loadAddress = Guest.DefaultLoadAddress, ulong? entryPoint = null,
        int memoryMB = 16, TimeSpan? timeLimit = null, long simulatorInstructions = 2_000_000_000, string devicePath = KvmBackend.DefaultDevicePath,
        CancellationToken cancel = default)
    {
        Guest Make(string side, bool? pcid)
        {
            var g = Guest.Create($"{name}-{side}", VirtualizationStyle.HardwareAssisted, memoryMB, image, loadAddress, entryPoint);
            if (pcid is { } on) g.Pcid = on;
            return g;
        }
        return Run(name, () => Make("kvm", null), pcid => Make("simulator", pcid), bare: true, timeLimit, simulatorInstructions, devicePath, cancel);
    }

    static BackendComparison Run(string name, Func<Guest> makeKvm, Func<bool, Guest> makeSimulator, bool bare, TimeSpan? timeLimit,
        long simulatorInstructions, string devicePath, CancellationToken cancel)
    {
        var host = KvmHostProfile.For(devicePath);
        var kg = makeKvm();
        using var vm = kg.CreateKvm(devicePath, evenOnDivergentHost: true);

        // The simulator, with the CPUID the KVM guest was given, every VM exit classified as it happens.
        var sg = makeSimulator(vm.Cpuid.Pcid);
        var ha = (HardwareAssisted)sg.Vmm;
        var simIo = new SortedDictionary<ushort, long>();
        long simMsrModelled = 0, simMsrKernel = 0;
        var kernelMsrs = KvmVirtualMachine.KernelMsrs.ToHashSet();
        var step = sg.Step(simulatorInstructions, cancel, trace: e =>
        {
            if (e.Kind != TraceKind.VmmEntry || e.Vector is not int reason) return;
            if (reason == (int)ExitReason.IoInstruction && e.Qualification is { } q)
            {
                ushort port = (ushort)(q >> 16);
                simIo[port] = simIo.GetValueOrDefault(port) + 1;
            }
            else if (reason is (int)ExitReason.Rdmsr or (int)ExitReason.Wrmsr)
            {
                // The exit comes before the instruction runs: RCX still names the MSR.
                if (kernelMsrs.Contains((uint)sg.Machine.Cpu.GetGpr(Gpr.Rcx))) simMsrKernel++; else simMsrModelled++;
            }
        });
        var simExits = ha.Exits;
        var simulator = new BackendRun(ExecutionBackend.Simulator, step.StopReason, sg.Machine.Console.Output, BackendRun.Snapshot(sg.Machine.Cpu),
            simExits.ToDictionary(kv => kv.Key.ToString(), kv => kv.Value), ha.TotalExits, step.HostSeconds, step.Instructions, step.Exception);

        cancel.ThrowIfCancellationRequested();
        var r = vm.Run(timeLimit ?? TimeSpan.FromSeconds(60), cancel);
        cancel.ThrowIfCancellationRequested();
        var kx = vm.Exits;
        var kvm = new BackendRun(ExecutionBackend.Kvm, r.StopReason, kg.Machine.Console.Output, BackendRun.Snapshot(kg.Machine.Cpu),
            kx.Counts, kx.Total, r.HostSeconds, null, r.Exception);
        var stats = vm.KernelStatistics();

        var rows = new List<ExitCountComparison>();
        long Sim(ExitReason reason) => simExits.GetValueOrDefault(reason);
        void Row(string exit, long s, long k, string whyDiffer, string whySame = "")
        {
            bool agrees = s == k;
            rows.Add(new ExitCountComparison(exit, s, k, agrees, agrees ? whySame : whyDiffer));
        }

        // IO: the device models are the same objects' classes, and each IN or OUT is one exit on both.
        long simUart = simIo.Where(kv => kv.Key >= UartBase && kv.Key < UartBase + 8).Sum(kv => kv.Value);
        long kvmUart = kx.IoExits(UartBase, 8);
        Row("IoInstruction: UART (ports 0x3F8-0x3FF)", simUart, kvmUart,
            $"the consoles differ ({simulator.Console.Length} bytes on the simulator, {kvm.Console.Length} on KVM); per byte printed both make {Ratio(simUart, simulator.Console.Length)} and {Ratio(kvmUart, kvm.Console.Length)} UART exits",
            "one exit per IN or OUT on both: the driver polls LSR, then writes THR");
        foreach (var port in simIo.Keys.Union(kx.IoExitsByPort.Keys).Where(p => p < UartBase || p >= UartBase + 8).Order())
            Row($"IoInstruction: port 0x{port:X}", simIo.GetValueOrDefault(port), kx.IoExitsByPort.GetValueOrDefault(port),
                "the guests did different work", "one exit per IN or OUT on both");

        Row("Hlt", Sim(ExitReason.Hlt), kx[KvmExitReason.Hlt], "the runs ended differently", "HLT exits on both (KVM has no in-kernel irqchip here, so HLT reaches the VMM)");
        Row("Rdmsr/Wrmsr: MSRs the VMM models (APIC base, x2APIC, PMU, unknown)", simMsrModelled, kx[KvmExitReason.X86Rdmsr] + kx[KvmExitReason.X86Wrmsr],
            "the guests did different work", "every such access exits on both (KVM: the MSR filter and KVM_CAP_X86_USER_SPACE_MSR)");
        Row("Rdmsr/Wrmsr: MSRs the processor keeps (EFER, STAR, LSTAR, FMASK, FS/GS bases, TSC)", simMsrKernel, 0,
            "KVM handles these in the host kernel without returning to the VMM (the simulator's VMCS model has no MSR bitmap, so every RDMSR and WRMSR exits)");
        Row("Cpuid", Sim(ExitReason.Cpuid), 0, "KVM answers CPUID in the host kernel from the KVM_SET_CPUID2 table");
        Row("ControlRegisterAccess", Sim(ExitReason.ControlRegisterAccess), 0,
            "MOV to CR0/CR4 (and CR3/CR8 where they exit) is handled in the host kernel" + (stats.TryGetValue("exits", out var all) ? $"; it counts every exit, these among them ({all} in all)" : ""));
        Row("EptViolation", Sim(ExitReason.EptViolation), 0,
            "KVM maps guest memory in the host kernel on first touch" + (stats.TryGetValue("pf_taken", out var pf) ? $" (its page-fault count: {pf})" : ""));
        Row("ExternalInterrupt (injected)", Sim(ExitReason.ExternalInterrupt), kx.InterruptsInjected,
            "interrupts the two guests took differ", "the local APIC model asks for the same interrupts; KVM_INTERRUPT injects each");
        foreach (var (reason, count) in simExits.Where(kv => kv.Key is not (ExitReason.IoInstruction or ExitReason.Hlt or ExitReason.Rdmsr or ExitReason.Wrmsr
                     or ExitReason.Cpuid or ExitReason.ControlRegisterAccess or ExitReason.EptViolation or ExitReason.ExternalInterrupt)))
            Row(reason.ToString(), count, 0, "handled in the host kernel, or without an exit under KVM");
        foreach (var rec in kx.ByReason.Where(x => x.Reason is not (KvmExitReason.Io or KvmExitReason.Hlt or KvmExitReason.X86Rdmsr or KvmExitReason.X86Wrmsr)))
            Row("KVM_EXIT_" + rec.Reason, rec.Reason == KvmExitReason.Shutdown ? Sim(ExitReason.TripleFault) : 0, rec.Count, rec.Reason switch
            {
                KvmExitReason.IrqWindowOpen => "the VMM asked to be told when the guest can take an interrupt (no such exit in the simulator's model: it delivers between blocks)",
                KvmExitReason.Intr => "a signal interrupted KVM_RUN (the watchdog's kick, or one the runtime sent)",
                KvmExitReason.SetTpr => "the guest lowered CR8 while KVM intercepts it for a userspace APIC",
                KvmExitReason.Shutdown => "the guest shut down on one backend only",
                _ => "an exit the simulator's model has no counterpart for",
            });
        Row("Total", ha.TotalExits, kx.Total, "the host kernel handles most exits itself" + (stats.TryGetValue("exits", out var exits) ? $"; its own count of every exit is {exits}" : ""));

        var disagreements = new List<string>();
        if (simulator.StopReason != kvm.StopReason)
            disagreements.Add($"Stop: simulator {simulator.StopReason}{(simulator.Exception is { } se ? $" ({se})" : "")}, KVM {kvm.StopReason}{(kvm.Exception is { } ke ? $" ({ke})" : "")}");
        if (simulator.Console != kvm.Console)
        {
            int at = 0;
            while (at < simulator.Console.Length && at < kvm.Console.Length && simulator.Console[at] == kvm.Console[at]) at++;
            disagreements.Add($"Console: differs from byte {at}: simulator \"{Excerpt(simulator.Console, at)}\", KVM \"{Excerpt(kvm.Console, at)}\""
                + (host.Divergences.Count > 0 ? $"; this host's KVM ({host.Implementation}) departs from the architecture: {string.Join("; ", host.Divergences)}" : ""));
        }
        if (bare)
            foreach (var (reg, v) in simulator.Registers.Where(kv => kvm.Registers[kv.Key] != kv.Value))
                disagreements.Add($"Register {reg}: simulator 0x{v:X}, KVM 0x{kvm.Registers[reg]:X}");
        foreach (var row in rows.Where(x => !x.Agrees)) disagreements.Add($"Exit count {row}");
        return new BackendComparison(name, simulator, kvm, rows, disagreements, host, stats, kx);
    }

    static string Ratio(long exits, int bytes) => bytes == 0 ? "no" : (exits / (double)bytes).ToString("0.##", System.Globalization.CultureInfo.InvariantCulture);

    static string Excerpt(string s, int at) =>
        at >= s.Length ? "<end>" : s.Substring(at, Math.Min(60, s.Length - at)).Replace("\n", "\\n");
}
