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

    public static TheoryData<string, int> Sizes()
    {
        var d = new TheoryData<string, int>();
        foreach (var w in Workload.All) { d.Add(w.Name, 1); d.Add(w.Name, 10); }
        return d;
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void WorkloadRunsToCompletionWithMatchingCounts(string name, int scale)
    {
        var w = Workload.Find(name)!;
        long n = w.DefaultIterations * scale;
        int p = w.DefaultProcesses;
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
        Assert.Equal(s.Ticks, ev.Interrupts);                       // delivered; the APIC may have fired once more during the shutdown
        Assert.InRange(g.Machine.Cpu.Apic.TimerInterrupts - s.Ticks, 0, 1);
        if (s.TimerSwitches == 0)
            Assert.Equal(w.ExpectedContextSwitches(n, p), s.ContextSwitches);
        // each console byte costs a status read and a data write; the rest are the workload's port reads
        Assert.Equal(2L * g.Machine.Console.Output.Length + w.ExpectedPortReads(n, p), g.Machine.Cpu.Ports.Accesses);
    }
}
