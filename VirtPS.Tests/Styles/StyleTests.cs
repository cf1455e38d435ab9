using VirtPS.Engine.Costs;
using VirtPS.Engine.Cpu;
using VirtPS.Engine.Guests;
using VirtPS.Engine.Styles;
using Xunit;

namespace VirtPS.Tests.Styles;

public class StyleTests
{
    internal static Guest Run(string workload, VirtualizationStyle style, long? iterations = null, int? processes = null)
    {
        var g = Guest.CreateWorkload("s", workload, iterations, processes, style: style);
        long retired = 0;
        RunStop stop;
        do { var r = g.Machine.Run(200_000_000); retired += r.Retired; stop = r.Stop; }
        while (stop == RunStop.Budget && retired < 200_000_000);
        Assert.True(stop == RunStop.Halt, $"{style} {workload}: {stop}: {g.LastException}\n{g.Machine.Console.Output}");
        return g;
    }

    public static TheoryData<string, VirtualizationStyle> Cases()
    {
        var d = new TheoryData<string, VirtualizationStyle>();
        foreach (var w in Workload.All)
            foreach (var s in new[] { VirtualizationStyle.Emulation, VirtualizationStyle.TrapAndEmulate, VirtualizationStyle.HardwareAssisted })
                d.Add(w.Name, s);
        return d;
    }

    /// <summary>The issue's bar: every style runs every workload to the same console output as Native.</summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public void EveryStyleGivesNativeConsoleOutput(string workload, VirtualizationStyle style)
    {
        long n = Math.Max(1, Workload.Find(workload)!.DefaultIterations / 10);
        var native = Run(workload, VirtualizationStyle.Native, n);
        var other = Run(workload, style, n);
        Assert.Equal(native.Machine.Console.Output, other.Machine.Console.Output);
        Assert.Equal(native.Machine.Cpu.Retired, other.Machine.Cpu.Retired);
    }
}

public class StyleCountTests(Xunit.Abstractions.ITestOutputHelper output)
{
    [Fact]
    public void PrintLedgers()
    {
        foreach (var w in new[] { "syscall", "in", "cr8wr", "callret", "pgfault", "divzero", "ptemod", "forkwait", "ctxswitch" })
            foreach (var s in new[] { VirtualizationStyle.Native, VirtualizationStyle.Emulation, VirtualizationStyle.TrapAndEmulate, VirtualizationStyle.HardwareAssisted })
            {
                var g = StyleTests.Run(w, s, 1000);
                var l = g.Vmm.Ledger();
                var parts = Enum.GetValues<CostEvent>().Where(e => l[e] != 0).Select(e => $"{e}={l[e]}");
                string extra = g.Vmm.Shadow is { } sh ? $" shadow: hidden={sh.HiddenFaults} tracing={sh.TracingFaults} true={sh.TrueFaults} roots={sh.RootBuilds}" : "";
                if (g.Vmm is HardwareAssisted ha) extra += " exits: " + string.Join(",", ha.Exits.Select(kv => $"{kv.Key}={kv.Value}"));
                output.WriteLine($"{w,-10} {s,-17} {string.Join(" ", parts)}{extra} violations={g.Vmm.Violations.Count}");
            }
    }
}
