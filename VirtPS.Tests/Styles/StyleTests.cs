using VirtPS.Engine.Memory;
using VirtPS.Engine.Trace;
using VirtPS.Engine.Costs;
using VirtPS.Engine.Cpu;
using VirtPS.Engine.Guests;
using VirtPS.Engine.Styles;
using Xunit;

namespace VirtPS.Tests.Styles;

public class StyleTests
{
    internal static Guest Run(string workload, VirtualizationStyle style, long? iterations = null, int? processes = null,
        MemoryVirtualization? paging = null)
    {
        var g = Guest.CreateWorkload("s", workload, iterations, processes, style: style, paging: paging);
        long retired = 0;
        RunStop stop;
        do { var r = g.Machine.Run(200_000_000); retired += r.Retired; stop = r.Stop; }
        while (stop == RunStop.Budget && retired < 200_000_000);
        Assert.True(stop == RunStop.Halt, $"{style} {workload}: {stop}: {g.LastException}\n{g.Machine.Console.Output}");
        return g;
    }

    /// <summary>Every style but Native, and HardwareAssisted with each of its paging modes; each with the workload's
    /// default process count and with 3.</summary>
    public static TheoryData<string, VirtualizationStyle, MemoryVirtualization?, int> Cases()
    {
        var d = new TheoryData<string, VirtualizationStyle, MemoryVirtualization?, int>();
        foreach (var w in Workload.All.Where(w => !w.UsesKeyboard))   // keys waits for input: InputTests
            foreach (var s in Vmm.WorkloadStyles.Where(s => s != VirtualizationStyle.Native))
                foreach (var paging in s == VirtualizationStyle.HardwareAssisted
                    ? new MemoryVirtualization?[] { MemoryVirtualization.Nested, MemoryVirtualization.Shadow } : [null])
                    foreach (int p in new[] { w.DefaultProcesses, 3 })
                        d.Add(w.Name, s, paging, p);
        return d;
    }

    /// <summary>The bar: every style runs every workload, timer on, to the same console output as Native,
    /// byte for byte. The tick is a performance-counter overflow after a number of user instructions, so it lands
    /// at the same user instruction under every style and in both builds of the kernel; the summary's tick and
    /// switch counts agree too.</summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public void EveryStyleGivesNativeConsoleOutput(string workload, VirtualizationStyle style, MemoryVirtualization? paging, int processes)
    {
        var native = Run(workload, VirtualizationStyle.Native, null, processes);
        var other = Run(workload, style, null, processes, paging);
        Assert.Equal(native.Machine.Console.Output, other.Machine.Console.Output);
        // The paravirtual build retires other kernel instructions; the others run the same kernel, instruction for instruction.
        if (style != VirtualizationStyle.Paravirtual) Assert.Equal(native.Machine.Cpu.Retired, other.Machine.Cpu.Retired);
    }
}

public class StyleBehaviourTests
{
    static Guest Bare(VirtualizationStyle style, Action<Iced.Intel.Assembler> code)
    {
        var bytes = VirtPS.Tests.Cpu.GuestCode.Assemble(Guest.DefaultLoadAddress, code);
        var g = Guest.Create("b", style, 16, bytes);
        g.Machine.Run(10_000);
        return g;
    }

    /// <summary>Robin &amp; Irvine's sensitive unprivileged instructions, run by guest kernel code (CPL 0) under
    /// each style: TrapAndEmulate gives the CPL-1 results and records each divergence; the others give what
    /// the SDM says CPL 0 gets, and record nothing.</summary>
    [Theory]
    [InlineData(VirtualizationStyle.Native)]
    [InlineData(VirtualizationStyle.Emulation)]
    [InlineData(VirtualizationStyle.HardwareAssisted)]
    [InlineData(VirtualizationStyle.BinaryTranslation)]
    [InlineData(VirtualizationStyle.TrapAndEmulate)]
    public void SensitiveUnprivilegedInstructionsDivergeOnlyUnderTrapAndEmulate(VirtualizationStyle style)
    {
        var g = Bare(style, a =>
        {
            a.cli();
            a.pushfq();                  // IF is 0: PUSHF at CPL 1 shows the real IF, 1
            a.pop(Iced.Intel.AssemblerRegisters.rbx);
            a.mov(Iced.Intel.AssemblerRegisters.ax, Iced.Intel.AssemblerRegisters.cs);   // RPL 1 under ring compression
            a.push(0x202);
            a.popfq();                   // IF := 1 at CPL 0; at CPL 1 with IOPL 0 it stays 0, silently
            a.smsw(Iced.Intel.AssemblerRegisters.cx);
            a.str(Iced.Intel.AssemblerRegisters.dx);
            a.hlt();
        });
        var p = g.Machine.Cpu;
        bool te = style == VirtualizationStyle.TrapAndEmulate;
        Assert.Equal(te ? 1UL : 0UL, p.GetGpr(Gpr.Rbx) >> 9 & 1);
        Assert.Equal(te ? 9UL : 8UL, p.GetGpr(Gpr.Rax) & 0xFFFF);
        Assert.Equal(te ? 0UL : 1UL, p.Rflags >> 9 & 1);   // the guest believes it enabled interrupts
        Assert.Equal(te ? 4 : 0, g.Vmm.Violations.Count(v => !v.Instruction.StartsWith("str")));
        if (te)
        {
            var names = g.Vmm.Violations.Select(v => v.Instruction.Split(' ')[0]).ToArray();
            Assert.Equal(["pushf", "mov", "popf", "smsw"], names.Where(n => n != "str"));
            Assert.Contains(g.Vmm.Violations, v => v.Instruction.StartsWith("popf") && v.Got == "IF=0 IOPL=0" && v.Expected == "IF=1 IOPL=0");
        }
    }

    /// <summary>VM exits carry the SDM's basic exit reasons and qualifications (Vol. 3C, Tables 28-3 and 28-5).</summary>
    [Fact]
    public void HardwareAssistedExitsWithSdmReasonsAndQualifications()
    {
        var events = new List<VirtPS.Engine.Trace.TraceEvent>();
        var bytes = VirtPS.Tests.Cpu.GuestCode.Assemble(Guest.DefaultLoadAddress, a =>
        {
            a.xor(Iced.Intel.AssemblerRegisters.eax, Iced.Intel.AssemblerRegisters.eax);
            a.cpuid();
            a.@in(Iced.Intel.AssemblerRegisters.al, 0x80);
            a.mov(Iced.Intel.AssemblerRegisters.rdx, Iced.Intel.AssemblerRegisters.cr3);
            a.mov(Iced.Intel.AssemblerRegisters.cr3, Iced.Intel.AssemblerRegisters.rdx);
            a.xor(Iced.Intel.AssemblerRegisters.ecx, Iced.Intel.AssemblerRegisters.ecx);
            a.mov(Iced.Intel.AssemblerRegisters.cr8, Iced.Intel.AssemblerRegisters.rcx);   // TPR shadow: no exit
            a.hlt();
        });
        var g = Guest.Create("h", VirtualizationStyle.HardwareAssisted, 16, bytes, paging: MemoryVirtualization.Shadow);
        g.Machine.Cpu.Tracer = events.Add;
        g.Machine.Run(10_000);
        var exits = events.Where(e => e.Kind == VirtPS.Engine.Trace.TraceKind.VmmEntry).Select(e => (e.Vector, e.Qualification)).ToArray();
        // First the shadow fill for the code page (a #PF exit, qualification = the address), then one exit each.
        Assert.Equal([(0, Guest.DefaultLoadAddress), (10, 0UL), (30, 0x80UL << 16 | 0x48), (28, 3UL | 1 << 4 | 2 << 8), (28, 3UL | 2 << 8), (12, 0UL)],
            exits.Select(x => (x.Vector!.Value, x.Qualification!.Value)));
        var ha = (HardwareAssisted)g.Vmm;
        Assert.Equal(6, ha.TotalExits);
        Assert.Equal(1, ha.Exits[ExitReason.IoInstruction]);
    }

    /// <summary>Controls decide what exits: with HLT exiting and IO exiting off, HLT and IN stay in the guest.</summary>
    [Fact]
    public void HardwareAssistedControlsSelectExits()
    {
        var bytes = VirtPS.Tests.Cpu.GuestCode.Assemble(Guest.DefaultLoadAddress, a => { a.@in(Iced.Intel.AssemblerRegisters.al, 0x80); a.hlt(); });
        var g = Guest.Create("h", VirtualizationStyle.HardwareAssisted, 16, bytes, paging: MemoryVirtualization.Shadow);
        var ha = (HardwareAssisted)g.Vmm;
        ha.Controls &= ~(VmExecutionControls.HltExiting | VmExecutionControls.UnconditionalIoExiting);
        g.Machine.Run(10_000);
        Assert.Equal([ExitReason.ExceptionOrNmi], ha.Exits.Keys);   // only the shadow fill for the code page
        Assert.True(g.Machine.Halted);
    }

    /// <summary>Shadow paging tells its faults apart: pgfault's touches are true guest faults (one each), the
    /// kernel's PTE write for each is a traced write, and re-touching the page after the fix is a hidden fault.</summary>
    [Theory]
    [InlineData(VirtualizationStyle.TrapAndEmulate)]
    [InlineData(VirtualizationStyle.HardwareAssisted)]
    public void ShadowPagingSeparatesHiddenTracingAndTrueFaults(VirtualizationStyle style)
    {
        var native = StyleTests.Run("pgfault", VirtualizationStyle.Native, 500);
        var g = StyleTests.Run("pgfault", style, 500,
            paging: style == VirtualizationStyle.HardwareAssisted ? MemoryVirtualization.Shadow : null);
        var sh = ((ShadowMmu)g.Vmm.Mmu).Tables;
        long hidden = g.Vmm.Events[GuestEvent.HiddenPageFault], tracing = g.Vmm.Events[GuestEvent.TracingPageFault], truly = g.Vmm.Events[GuestEvent.TruePageFault];
        Assert.Equal(native.Machine.Cpu.Events.PageFaults, truly);
        Assert.True(tracing >= 500, $"tracing {tracing}");
        // The retry after the kernel's PTE write needs no hidden fault: the traced write refreshed the shadow
        // from the new PTE (accessed, as the kernel wrote it), and the kernel's stores into each new frame hit
        // leaves prefetched with the neighbours of an earlier fault in its large page.
        // (all but the first page's: that PTE was written before its new table was walked and protected)
        Assert.True(sh.Prefetches >= 499, $"prefetches {sh.Prefetches}");
        Assert.True(hidden < 500, $"hidden {hidden}");
        Assert.True(sh.NeighbourPrefetches > 0, $"neighbour prefetches {sh.NeighbourPrefetches}");
        Assert.Equal(native.Machine.Console.Output, g.Machine.Console.Output);
        if (g.Vmm is HardwareAssisted ha)   // every shadow fault and every reflected #PF is an exception exit
            Assert.Equal(hidden + tracing + truly, ha.Exits[ExitReason.ExceptionOrNmi]);
    }

    /// <summary>Emulation prices every instruction as interpreted and every memory access as a software-MMU
    /// lookup, and nothing as native.</summary>
    [Fact]
    public void EmulationInterpretsEverything()
    {
        var g = StyleTests.Run("compute", VirtualizationStyle.Emulation, 1000);
        var l = g.Vmm.Ledger();
        Assert.Equal(g.Machine.Cpu.Retired, l[CostEvent.InterpretedInstruction]);
        Assert.Equal(0, l[CostEvent.Instruction]);
        Assert.True(l[CostEvent.SoftMmuLookup] >= l[CostEvent.InterpretedInstruction]);   // at least one fetch each
    }
}

/// <summary>The built-in kernel's own sensitive instructions: a MOV from CS for its gates, and a boot self-test
/// that reads the flags with PUSHF and enables interrupts with POPF, then waits for a SELF IPI.</summary>
public class KernelFidelityTests
{
    [Theory]
    [InlineData(VirtualizationStyle.Native)]
    [InlineData(VirtualizationStyle.Emulation)]
    [InlineData(VirtualizationStyle.TrapAndEmulate)]
    [InlineData(VirtualizationStyle.BinaryTranslation)]
    [InlineData(VirtualizationStyle.HardwareAssisted)]
    public void OnlyTrapAndEmulateLosesTheKernelsPopfAndMisplacesItsInterrupt(VirtualizationStyle style)
    {
        var native = StyleTests.Run("syscall", VirtualizationStyle.Native, 10);
        var g = StyleTests.Run("syscall", style, 10);
        Assert.Equal(native.Machine.Console.Output, g.Machine.Console.Output);
        // Natively the IPI is taken inside the boot window, in the kernel (SDM Vol. 3A, 6.8.1: IF=1 lets it in).
        Assert.Equal(0UL, native.ReadKernelVariable("boot_ipi_cpl"));
        Assert.Equal(1UL, g.ReadKernelVariable("boot_ipis"));
        ulong kernelCs = native.ReadKernelVariable("kernel_cs")!.Value;
        Assert.Equal(native.Machine.Cpu.Cs, (ushort)0x08);
        Assert.Equal(0x08UL, kernelCs);   // the GDT's kernel code descriptor, as the kernel set it up
        if (style != VirtualizationStyle.TrapAndEmulate)
        {
            Assert.Empty(g.Vmm.Violations);
            Assert.Equal(0UL, g.ReadKernelVariable("boot_ipi_cpl"));
            Assert.Equal(kernelCs, g.ReadKernelVariable("kernel_cs"));
            return;
        }
        var kinds = g.Vmm.Violations.Select(v => v.Instruction.Split(' ')[0]).Distinct().ToHashSet();
        Assert.Contains("pushf", kinds);
        Assert.Contains("popf", kinds);
        Assert.Contains("mov", kinds);
        // The guest believed it enabled interrupts, but POPF at CPL 1 left IF clear: the IPI waited until the
        // kernel's IRETQ to user mode set IF, and interrupted the process (CPL 3) instead of the kernel.
        Assert.Equal(3UL, g.ReadKernelVariable("boot_ipi_cpl"));
        // MOV from CS gave RPL 1, and the kernel wrote that selector into its own IDT.
        Assert.Equal(kernelCs | 1, g.ReadKernelVariable("kernel_cs"));
        // PUSHF showed the real IF (set) where the guest's virtual IF was clear.
        Assert.Equal(0UL, native.ReadKernelVariable("boot_flags")!.Value & 0x200);
        Assert.Equal(0x200UL, g.ReadKernelVariable("boot_flags")!.Value & 0x200);
    }
}
