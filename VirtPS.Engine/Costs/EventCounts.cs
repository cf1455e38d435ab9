using System.Runtime.CompilerServices;

namespace VirtPS.Engine.Costs;

/// <summary>Counts of primitive events (placeholder until the cost-model branch lands).</summary>
public sealed class EventCounts
{
    readonly long[] _n = new long[Enum.GetValues<CostEvent>().Length];
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add(CostEvent e, long n = 1) => _n[(int)e] += n;
    public long this[CostEvent e] => _n[(int)e];
    public void Clear() => Array.Clear(_n);
    public EventCounts Snapshot() { var c = new EventCounts(); _n.CopyTo(c._n, 0); return c; }
}
