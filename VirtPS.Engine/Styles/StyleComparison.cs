using VirtPS.Engine.Costs;
using VirtPS.Engine.Cpu;
using VirtPS.Engine.Guests;

namespace VirtPS.Engine.Styles;

/// <summary>One style's run of a workload: its cycles per iteration and how that compares with Native.</summary>
public sealed record StyleComparisonRow(string Workload, VirtualizationStyle Style, string Paging, string CostModel, long Iterations,
    long Instructions, double Cycles, double CyclesPerIteration, double RatioToNative, long Exits, long Traps, long Callouts,
    long Hypercalls, int FidelityViolations, string Console, double HostSeconds);

/// <summary>
/// Runs one workload under several styles, each on a fresh guest, and prices every run with the same cost
/// model: the table Adams &amp; Agesen (ASPLOS 2006) drew for their nanobenchmarks. Nothing here knows a style's
/// or a workload's cost; the rows are counted events times the model's prices.
/// Cycles per iteration are marginal, as a nanobenchmark measures them: each style runs the workload for N
/// and for 2N iterations, and the difference in cycles divided by N is what one more iteration costs, so
/// booting the kernel, printing its summary and exiting cancel out.
/// </summary>
public static class StyleComparison
{
    public static IEnumerable<StyleComparisonRow> Run(string workload, IEnumerable<VirtualizationStyle> styles, long? iterations,
        CostModel model, long maxInstructions = 2_000_000_000, CancellationToken cancel = default,
        MemoryVirtualization paging = MemoryVirtualization.Nested)
    {
        var list = styles.Distinct().ToList();
        foreach (var s in list)
            if (!Vmm.Available.Contains(s)) throw Vmm.Unavailable(s);
        // Native is always measured: every other row is a ratio to it.
        if (!list.Contains(VirtualizationStyle.Native)) list.Insert(0, VirtualizationStyle.Native);
        double? native = null;
        foreach (var style in list)
        {
            var g = RunOnce(workload, style, iterations, model, maxInstructions, cancel, paging);
            if (g is null) yield break;
            var twice = RunOnce(workload, style, 2 * g.WorkloadIterations, model, maxInstructions, cancel, paging);
            if (twice is null) yield break;
            var l = g.Vmm.Ledger();
            double cycles = l.Total(model);
            double perIteration = (twice.Vmm.Ledger().Total(model) - cycles) / (g.WorkloadIterations * g.WorkloadProcesses);
            native ??= perIteration;
            yield return new StyleComparisonRow(workload, style, g.Paging?.ToString() ?? "", model.Name, g.WorkloadIterations, g.Instructions, cycles,
                Math.Round(perIteration, 1), Math.Round(perIteration / native.Value, 2),
                g.Vmm is HardwareAssisted ha ? ha.TotalExits : 0, l[CostEvent.Trap], l[CostEvent.Callout], l[CostEvent.Hypercall],
                g.Vmm.Violations.Count, g.Machine.Console.Output, g.HostSeconds);
        }
    }

    static Guest? RunOnce(string workload, VirtualizationStyle style, long? iterations, CostModel model, long maxInstructions,
        CancellationToken cancel, MemoryVirtualization paging)
    {
        var g = Guest.CreateWorkload(style.ToString(), workload, iterations, style: style, costs: model,
            paging: style == VirtualizationStyle.HardwareAssisted ? paging : null);
        var r = g.Step(maxInstructions, cancel);
        if (r.StopReason == StopReason.Cancelled) return null;
        if (r.StopReason != StopReason.Halt)
            throw new VirtPSException("WorkloadDidNotFinish", ErrorKind.InvalidOperation,
                $"'{workload}' under {style} stopped with {r.StopReason} after {r.Instructions:N0} instructions{(g.LastException is { } e ? $": {e}" : "")}.", style);
        return g;
    }
}
