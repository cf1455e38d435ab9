using VirtPS.Engine.Cpu;
using VirtPS.Engine.Guests;
using Xunit;

namespace VirtPS.Tests.Kernel;

public class KernelTests
{
    static (Guest g, RunStop stop, KernelSummary? s, long retired) Run(string workload, long? iterations = null, int? processes = null,
        long timerPeriod = VirtPS.Engine.Guests.Kernel.DefaultTimerPeriod)
    {
        var g = Guest.CreateWorkload("k", workload, iterations, processes, timerPeriod: timerPeriod);
        long retired = 0;
        RunStop stop;
        do { var r = g.Machine.Run(500_000_000); retired += r.Retired; stop = r.Stop; }
        while (stop == RunStop.Budget && retired < 500_000_000);
        return (g, stop, VirtPS.Engine.Guests.Kernel.ParseSummary(g.Machine.Console.Output), retired);
    }

    /// <summary>Every workload at its default size and at 10x, with its default process count; and with 3 processes.</summary>
    public static TheoryData<string, int, int> Sizes()
    {
        var d = new TheoryData<string, int, int>();
        foreach (var w in Workload.All.Where(w => !w.UsesKeyboard)) { d.Add(w.Name, 1, 0); d.Add(w.Name, 10, 0); d.Add(w.Name, 1, 3); }
        return d;
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void WorkloadRunsToCompletionWithMatchingCounts(string name, int scale, int processes)
    {
        var w = Workload.Find(name)!;
        long n = w.DefaultIterations * scale;
        int p = processes == 0 ? w.DefaultProcesses : processes;
        var (g, stop, s, _) = Run(name, n, p);
        var ev = g.Machine.Cpu.Events;
        Assert.True(stop == RunStop.Halt, $"{stop}: {g.LastException}\n{g.Machine.Console.Output}");
        Assert.NotNull(s);
        Assert.Equal(w.ExpectedProcesses(n, p), s!.Processes);
        Assert.Equal(w.ExpectedSyscalls(n, p), s.Syscalls);
        Assert.Equal(s.Syscalls, ev.Syscalls);
        Assert.Equal(w.ExpectedPageFaults(n, p), s.PageFaults);
        Assert.Equal(s.PageFaults, ev.PageFaults);
        Assert.Equal(w.ExpectedDivideErrors(n, p), s.DivideErrors);
        Assert.Equal(s.DivideErrors, ev.Exceptions(ExceptionVector.DE));
        Assert.Equal(w.ExpectedInvlpgs(n, p), ev.Invlpgs);
        Assert.Equal(s.Cr3Loads, ev.Cr3Loads);
        Assert.Equal(s.ContextSwitches + 1, ev.Cr3Loads);
        Assert.Equal(s.ContextSwitches, s.YieldSwitches + s.TimerSwitches + s.ExitSwitches);
        // Every tick is a PMI delivered, and the only other interrupt is the boot self-test's SELF IPI. The
        // LVT entry masks itself on each PMI until the handler unmasks it, so PMIs never coalesce; one may be
        // requested and not yet taken when the last process exits.
        Assert.Equal(s.Ticks + 1, ev.Interrupts);
        Assert.InRange(g.Machine.Cpu.Apic.PerformanceMonitoringInterrupts - s.Ticks, 0, 1);
        Assert.Equal(0, g.Machine.Cpu.Apic.TimerInterrupts);          // the APIC timer is not used for ticks
        Assert.Equal(g.Machine.Cpu.Pmu.Overflows, g.Machine.Cpu.Apic.PerformanceMonitoringInterrupts);
        if (s.TimerSwitches == 0)
            Assert.Equal(w.ExpectedContextSwitches(n, p), s.ContextSwitches);
        // the kernel keeps its writable data off its code pages: no decoded block is thrown away
        // (forkwait reuses freed frames for a new child's code, which legitimately drops their blocks)
        if (name != "forkwait") Assert.Equal(0, g.Machine.DecodeInvalidations);
        // each console byte costs a status read and a data write; the workload's port reads go to port 0x80, which no
        // device decodes (the kernel's device probe at boot reaches the PCI bus and the legacy parts, counted apart)
        Assert.Equal(2L * g.Machine.Console.Output.Length, g.Machine.Cpu.Ports.AccessesTo(g.Machine.Console));
        Assert.Equal(w.ExpectedPortReads(n, p), g.Machine.Cpu.Ports.AccessesTo(null) - BootProbeFloatingAccesses(g));
    }

    /// <summary>Floating-port accesses the kernel's device probe makes at boot (legacy parts absent on a guest without
    /// devices): those of a guest whose workload reads no port.</summary>
    static long BootProbeFloatingAccesses(Guest g)
    {
        var idle = Guest.CreateWorkload("probe", "compute", 1, 1, style: g.Style);
        idle.Step(null);
        Assert.Equal(GuestState.Halted, idle.State);
        return idle.Machine.Cpu.Ports.AccessesTo(null);
    }
}

public class KernelBehaviourTests
{
    static (Guest g, RunStop stop, KernelSummary? s) RunGuest(Guest g)
    {
        long retired = 0;
        RunStop stop;
        do { var r = g.Machine.Run(200_000_000); retired += r.Retired; stop = r.Stop; }
        while (stop == RunStop.Budget && retired < 200_000_000);
        return (g, stop, VirtPS.Engine.Guests.Kernel.ParseSummary(g.Machine.Console.Output));
    }

    static (Guest g, RunStop stop, KernelSummary? s) RunUser(string source, int processes = 1, long timer = VirtPS.Engine.Guests.Kernel.DefaultTimerPeriod) =>
        RunGuest(Guest.CreateKernelGuest("u", VirtPS.Engine.Guests.Kernel.AssembleUser(source).Bytes, processes, 64, timer));

    [Theory]
    [InlineData("ctxswitch", 2)]
    [InlineData("ctxswitch", 3)]
    [InlineData("forkwait", 1)]
    [InlineData("forkwait", 2)]
    public void WithoutTheTimerContextSwitchesFollowTheFormulaExactly(string name, int processes)
    {
        var w = Workload.Find(name)!;
        var (g, stop, s) = RunGuest(Guest.CreateWorkload("t", name, w.DefaultIterations / 10, processes, timerPeriod: 0));
        Assert.Equal(RunStop.Halt, stop);
        Assert.NotNull(s);
        Assert.Equal(0, s!.Ticks);
        Assert.Equal(0, s.TimerSwitches);
        Assert.Equal(w.ExpectedContextSwitches(w.DefaultIterations / 10, processes), s.ContextSwitches);
        Assert.Equal(s.ContextSwitches + 1, g.Machine.Cpu.Events.Cr3Loads);
        Assert.Equal(w.ExpectedSyscalls(w.DefaultIterations / 10, processes), g.Machine.Cpu.Events.Syscalls);
    }

    [Fact]
    public void TheTimerPreemptsComputeBoundProcessesRoundRobin()
    {
        var (g, stop, s) = RunGuest(Guest.CreateWorkload("rr", "compute", 500_000, 3, timerPeriod: 50_000));
        Assert.Equal(RunStop.Halt, stop);
        Assert.Equal(3, s!.Processes);
        Assert.True(s.TimerSwitches > 20, $"{s}");
        Assert.Equal(0, s.YieldSwitches);
        Assert.Equal(2, s.ExitSwitches);
        Assert.Equal(s.ContextSwitches + 1, g.Machine.Cpu.Events.Cr3Loads);
        Assert.Equal(s.Ticks + 1, g.Machine.Cpu.Events.Interrupts);   // + the boot self-test's SELF IPI
        Assert.Equal(3, g.Machine.Cpu.Events.Syscalls);
    }

    /// <summary>The tick counts user instructions only: a process that retires 2,000,003 of them (a MOV, a million
    /// turns of DEC/JNZ, the exit call's XOR and SYSCALL) is ticked 20 times at a period of 100,000, whatever the
    /// kernel executes in between; two such processes share one counter and are ticked 40 times.</summary>
    [Theory]
    [InlineData(1, 20, 0)]
    [InlineData(2, 40, 40)]
    public void TicksComeEveryTimerPeriodUserInstructions(int processes, long ticks, long timerSwitches)
    {
        var (g, stop, s) = RunUser("mov ecx, 1000000\n.l: dec ecx\n jnz .l\n xor eax, eax\n syscall\n", processes, 100_000);
        Assert.Equal(RunStop.Halt, stop);
        Assert.Equal(ticks, s!.Ticks);
        Assert.Equal(timerSwitches, s.TimerSwitches);
        Assert.Equal(ticks, g.Machine.Cpu.Apic.PerformanceMonitoringInterrupts);
        Assert.Equal(ticks + 1, g.Machine.Cpu.Events.Interrupts);
    }

    [Fact]
    public void SummaryLineIsPrinted()
    {
        var (g, stop, _) = RunGuest(Guest.CreateWorkload("s", "syscall", 100, 2));
        Assert.Equal(RunStop.Halt, stop);
        Assert.Contains("virtps: 2 processes, 204 syscalls, 0 page faults, ", g.Machine.Console.Output);
        Assert.Contains("syscall: done\n", g.Machine.Console.Output);
    }

    [Fact]
    public void GetpidAndWriteFromAUserProgram()
    {
        var (g, stop, s) = RunUser("""
            default rel
                mov eax, 2
                syscall
                add al, '0'
                sub rsp, 16
                mov dword [rsp], 0x20646970
                mov [rsp + 4], al
                mov byte [rsp + 5], 10
                mov eax, 1
                mov rdi, rsp
                mov esi, 6
                syscall
                xor eax, eax
                syscall
            """, 2);
        Assert.Equal(RunStop.Halt, stop);
        Assert.Equal(2, s!.Processes);
        Assert.Contains("pid 1\n", g.Machine.Console.Output);
        Assert.Contains("pid 2\n", g.Machine.Console.Output);
        Assert.Equal(6, s.Syscalls);
    }

    [Theory]
    [InlineData("mov rax, 0x100000\n fault: mov rax, [rax]", 14, "#PF(5)", ", address 0x100000")]      // user read of a supervisor kernel page
    [InlineData("mov rax, 0x40000000\n fault: mov byte [rax], 1", 14, "#PF(7)", ", address 0x40000000")] // user write to its read-only code page
    [InlineData("mov rax, 0x40800000\n fault: mov rax, [rax]", 14, "#PF(4)", ", address 0x40800000")]    // unmapped, outside the heap
    [InlineData("fault: mov rax, cr3", 13, "#GP(0)", "")]                  // privileged instruction at CPL 3
    [InlineData("fault: cli", 13, "#GP(0)", "")]
    [InlineData("fault: hlt", 13, "#GP(0)", "")]                           // HLT is privileged: it kills the process, not the machine
    [InlineData("fault: ud2", 6, "#UD", "")]                               // no error code, so none is printed
    [InlineData("fault: int 0x80", 13, "#GP(1026)", "")]                   // the kernel's gates are DPL 0: #GP(vector*8 + 2)
    [InlineData("mov eax, 0x28\n fault: mov ss, ax", 13, "#GP(40)", "")]  // the TSS selector is no stack segment
    [InlineData("sub rsp, 8\n mov qword [rsp], 0\n fault: div qword [rsp]", 0, "#DE", "")] // the kernel resumes only a register DIV
    public void AFaultingProcessIsKilledWithALineNamingPidExceptionAndRip(string body, int vector, string exception, string address)
    {
        var user = VirtPS.Engine.Guests.Kernel.AssembleUser($"default rel\n {body}\n xor eax, eax\n syscall\n");
        var (g, stop, s) = RunGuest(Guest.CreateKernelGuest("u", user.Bytes, 1, 64));
        Assert.Equal(RunStop.Halt, stop);
        Assert.Contains($"virtps: pid 1 killed by {exception} at rip 0x{user.Symbols["fault"]:X}{address}\n", g.Machine.Console.Output);
        Assert.NotNull(s);
        Assert.Equal(1, s!.Processes);
        Assert.Equal(0, s.Syscalls);              // the exit call after the fault never runs
        Assert.Equal(1, g.Machine.Cpu.Events.Exceptions((ExceptionVector)vector));
    }

    [Fact]
    public void AKilledProcessLeavesTheOthersRunningAndTheKernelSummarizes()
    {
        // pid 1 executes HLT at CPL 3; pid 2 prints and exits; the kernel then prints its summary and halts.
        var user = VirtPS.Engine.Guests.Kernel.AssembleUser("""
            default rel
                mov eax, 2
                syscall
                cmp eax, 1
                jne second
            fault:
                hlt
            second:
                mov eax, 1
                lea rdi, [msg]
                mov esi, 3
                syscall
                xor eax, eax
                syscall
            msg: db "ok", 10
            """);
        var (g, stop, s) = RunGuest(Guest.CreateKernelGuest("two", user.Bytes, 2, 64, timerPeriod: 0));
        Assert.Equal(RunStop.Halt, stop);
        string console = g.Machine.Console.Output;
        Assert.Contains($"virtps: pid 1 killed by #GP(0) at rip 0x{user.Symbols["fault"]:X}\n", console);
        Assert.DoesNotContain("pid 2 killed", console);
        Assert.True(console.IndexOf("ok\n") > console.IndexOf("killed"), console);
        Assert.True(console.IndexOf("virtps: 2 processes") > console.IndexOf("ok\n"), console);
        Assert.Equal(2, s!.Processes);
        Assert.Equal(4, s.Syscalls);             // two getpids, one write, one exit: the killed process made no exit call
        Assert.Equal(1, s.ExitSwitches);         // the kill switched to pid 2 through the scheduler's exit path
        Assert.Equal(0, g.Machine.Cpu.Cpl);      // the halt is the kernel's own, at CPL 0
    }

    [Fact]
    public void AUserProgramStartsAtItsEntryPointAtCpl3()
    {
        var user = VirtPS.Engine.Guests.Kernel.AssembleUser("ud2\n_start: xor eax, eax\n syscall\n");
        Assert.Equal(VirtPS.Engine.Guests.Kernel.UserCodeAddress + 2, user.EntryPoint);
        var g = Guest.CreateKernelGuest("e", user.Bytes, 1, 16, userEntry: user.EntryPoint);
        Assert.Equal(StopReason.Syscall, g.Step(null, until: VirtPS.Engine.Trace.TraceKind.Syscall).StopReason);
        Assert.Equal(VirtPS.Engine.Guests.Kernel.UserCodeAddress + 6, g.Machine.Cpu.GetGpr(Gpr.Rcx));   // SYSCALL saved the RIP after itself
        Assert.Equal(StopReason.Halt, g.Step(null).StopReason);
        Assert.DoesNotContain("killed", g.Machine.Console.Output);
        Assert.NotNull(g.KernelSummary);
    }

    [Fact]
    public void AProgramLinkedElsewhereOrEnteredOutsideItselfIsRefused()
    {
        var e = Assert.Throws<VirtPS.Engine.VirtPSException>(() => Guest.CreateKernelGuest("o", [0x90], userOrigin: 0x100000));
        Assert.Equal("ProgramOriginNotUserBase", e.ErrorId);
        Assert.Contains("0x100000", e.Message);
        Assert.Contains("0x40000000", e.Message);
        Assert.Contains("-Bare", e.Message);
        Assert.Equal("InvalidEntryPoint", Assert.Throws<VirtPS.Engine.VirtPSException>(
            () => Guest.CreateKernelGuest("o", [0x90], userEntry: 0x40000001)).ErrorId);
    }

    [Fact]
    public void AWriteToAPageMadeReadOnlyByMprotectFaultsWithErrorCode7()
    {
        var (g, stop, _) = RunUser("""
            default rel
                mov eax, 5
                mov edi, 0x40100000
                mov esi, 4096
                mov edx, 1
                syscall
                mov edi, 0x40100000
                mov [rdi], eax
                xor eax, eax
                syscall
            """);
        Assert.Equal(RunStop.Halt, stop);
        Assert.Contains("killed by #PF(7) at rip 0x", g.Machine.Console.Output);
        Assert.Equal(1, g.Machine.Cpu.Events.Invlpgs);
    }
}

public class KernelMemoryTests
{
    [Fact]
    public void WaitFreesTheChildsFramesSoForkwaitRunsInConstantMemory()
    {
        var g = Guest.CreateWorkload("f", "forkwait", 1000, 1, memoryMB: 8);
        long retired = 0; RunStop stop;
        do { var r = g.Machine.Run(200_000_000); retired += r.Retired; stop = r.Stop; } while (stop == RunStop.Budget && retired < 200_000_000);
        Assert.Equal(RunStop.Halt, stop);
        var s = VirtPS.Engine.Guests.Kernel.ParseSummary(g.Machine.Console.Output);
        Assert.Equal(1001, s!.Processes);
        Assert.DoesNotContain("out of memory", g.Machine.Console.Output);
    }

    [Fact]
    public void RunningOutOfFramesIsReportedNotACrash()
    {
        var g = Guest.CreateWorkload("m", "pgfault", 3000, 1, memoryMB: 8);
        long retired = 0; RunStop stop;
        do { var r = g.Machine.Run(200_000_000); retired += r.Retired; stop = r.Stop; } while (stop == RunStop.Budget && retired < 200_000_000);
        Assert.Equal(RunStop.Halt, stop);
        Assert.Contains("virtps: out of memory", g.Machine.Console.Output);
    }
}

public class KernelSyscallEdgeTests
{
    static (Guest g, RunStop stop, KernelSummary? s) RunUser(string source)
    {
        var g = Guest.CreateKernelGuest("e", VirtPS.Engine.Guests.Kernel.AssembleUser(source).Bytes, 1, 16);
        var r = g.Machine.Run(50_000_000);
        return (g, r.Stop, VirtPS.Engine.Guests.Kernel.ParseSummary(g.Machine.Console.Output));
    }

    [Fact]
    public void AWriteFromAnUntouchedMmapBufferIsDemandPagedInsideTheSyscall()
    {
        var (g, stop, s) = RunUser("""
            default rel
                mov eax, 4
                mov edi, 8192
                syscall
                mov rdi, rax
                mov eax, 1
                mov esi, 5000
                syscall
                xor eax, eax
                syscall
            """);
        Assert.Equal(RunStop.Halt, stop);
        Assert.Equal(2, s!.PageFaults);
        Assert.Equal(2, g.Machine.Cpu.Events.PageFaults);
    }

    [Fact]
    public void ABadPointerInASyscallKillsTheProcessNotTheKernel()
    {
        var (g, stop, s) = RunUser("""
            default rel
                mov eax, 1
                mov edi, 0x40800000
                mov esi, 1
                syscall
                xor eax, eax
                syscall
            """);
        Assert.Equal(RunStop.Halt, stop);
        Assert.Contains("virtps: pid 1 killed by #PF(0) at rip 0x", g.Machine.Console.Output);
        Assert.NotNull(s);
    }

    [Fact]
    public void UnknownSyscallsReturnMinusOne()
    {
        var (g, stop, s) = RunUser("""
            default rel
                mov eax, 99
                syscall
                cmp rax, -1
                jne .bad
                xor eax, eax
                syscall
            .bad:
                ud2
            """);
        Assert.Equal(RunStop.Halt, stop);
        Assert.DoesNotContain("killed", g.Machine.Console.Output);
        Assert.Equal(2, s!.Syscalls);
    }

    [Fact]
    public void BadArgumentsAreRejectedBeforeAnythingIsBuilt()
    {
        Assert.Equal("UnknownWorkload", Assert.Throws<VirtPS.Engine.VirtPSException>(() => Guest.CreateWorkload("x", "nope")).ErrorId);
        Assert.Equal("InvalidProcessCount", Assert.Throws<VirtPS.Engine.VirtPSException>(() => Guest.CreateWorkload("x", "compute", 10, 0)).ErrorId);
        Assert.Equal("InvalidIterations", Assert.Throws<VirtPS.Engine.VirtPSException>(() => Guest.CreateWorkload("x", "compute", 0)).ErrorId);
        Assert.Equal("InvalidMemorySize", Assert.Throws<VirtPS.Engine.VirtPSException>(() => Guest.CreateWorkload("x", "compute", memoryMB: 2048)).ErrorId);
    }

    [Fact]
    public void EveryWorkloadHasAProgramAndADescription()
    {
        Assert.Equal(17, Workload.All.Count);
        foreach (var w in Workload.All)
        {
            Assert.False(string.IsNullOrWhiteSpace(w.Description));
            Assert.Contains("ITER", VirtPS.Engine.Guests.Kernel.Source(w.ProgramFile));
        }
    }
}

public class KernelDeterminismTests
{
    [Fact]
    public void TheSameWorkloadGivesTheSameCountersTwice()
    {
        (string, long, long, long, long) Once()
        {
            var g = Guest.CreateWorkload("d", "ctxswitch", 2000, 3, timerPeriod: 7_000);
            var r = g.Step(null);
            Assert.Equal(StopReason.Halt, r.StopReason);
            return (g.Machine.Console.Output, g.Machine.Cpu.Retired, g.Machine.Cpu.Events.Cr3Loads, g.Machine.Cpu.Events.Interrupts, g.Instructions);
        }
        var a = Once();
        Assert.Equal(a, Once());
        Assert.Contains("context switches", a.Item1);
    }
}

public class KernelArgumentCheckTests
{
    [Theory]
    [InlineData(5, 0x100000, 4096, 3)]            // mprotect on a kernel address
    [InlineData(5, 0x40100000, 0x7FFFFFFFFFFF, 3)] // mprotect past the user half
    [InlineData(5, 0x40800000, 4096, 3)]           // mprotect on an unmapped page
    [InlineData(4, 0x7FFFFFFFFFFF, 0, 0)]          // mmap larger than the user half
    [InlineData(1, 0x100000, 4, 0)]                // write from a kernel address
    [InlineData(8, 0x3F8, 0, 0)]                   // inb from a port other than 0x80
    public void BadSyscallArgumentsReturnMinusOne(int nr, long a, long b, long c)
    {
        var g = Guest.CreateKernelGuest("a", VirtPS.Engine.Guests.Kernel.AssembleUser($"""
            default rel
                mov eax, {nr}
                mov rdi, {a}
                mov rsi, {b}
                mov rdx, {c}
                syscall
                cmp rax, -1
                jne .bad
                xor eax, eax
                syscall
            .bad:
                ud2
            """).Bytes, 1, 16);
        Assert.Equal(RunStop.Halt, g.Machine.Run(10_000_000).Stop);
        Assert.DoesNotContain("killed", g.Machine.Console.Output);
        Assert.Equal(0, g.Machine.Cpu.Events.Invlpgs);
        Assert.NotNull(g.KernelSummary);
    }

}
