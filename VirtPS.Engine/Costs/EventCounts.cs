using System.Runtime.CompilerServices;

namespace VirtPS.Engine.Costs;

/// <summary>
/// How many times each <see cref="CostEvent"/> happened. Counting is a single array increment so the
/// run loop can afford it; prices are applied only when a total or breakdown is asked for, which keeps
/// composite figures out of the engine: they are always counts times a model's primitive costs.
/// </summary>
public sealed class EventCounts
{
    static readonly int Size = Enum.GetValues<CostEvent>().Length;
    readonly long[] _counts;

    public EventCounts() => _counts = new long[Size];
    EventCounts(long[] counts) => _counts = counts;

    /// <summary>Counts <paramref name="n"/> occurrences of <paramref name="e"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add(CostEvent e, long n = 1) => _counts[(int)e] += n;

    public long this[CostEvent e]
    {
        get => _counts[(int)e];
        set => _counts[(int)e] = value;
    }

    public void Clear() => Array.Clear(_counts);

    /// <summary>Every count summed: how many events of any kind happened.</summary>
    public long Events => _counts.Sum();

    /// <summary>Cycles the counted events cost under <paramref name="model"/>.</summary>
    public double Total(CostModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        double sum = 0;
        for (int i = 0; i < _counts.Length; i++)
            if (_counts[i] != 0) sum += _counts[i] * model.Cycles((CostEvent)i);
        return sum;
    }

    /// <summary>One line per event that happened, in <see cref="CostEvent"/> order.</summary>
    public IReadOnlyList<CostLine> Breakdown(CostModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var lines = new List<CostLine>();
        for (int i = 0; i < _counts.Length; i++)
        {
            if (_counts[i] == 0) continue;
            double each = model.Cycles((CostEvent)i);
            lines.Add(new CostLine((CostEvent)i, _counts[i], each, _counts[i] * each));
        }
        return lines;
    }

    /// <summary>A copy of the counts as they are now.</summary>
    public EventCounts Snapshot() => new((long[])_counts.Clone());

    /// <summary>What happened between <paramref name="before"/> and this snapshot: the event-wise difference.</summary>
    public EventCounts Subtract(EventCounts before)
    {
        ArgumentNullException.ThrowIfNull(before);
        var d = new long[Size];
        for (int i = 0; i < d.Length; i++) d[i] = _counts[i] - before._counts[i];
        return new EventCounts(d);
    }

    public static EventCounts operator -(EventCounts after, EventCounts before) => after.Subtract(before);

    /// <summary>Adds every count of <paramref name="other"/> to this one (a sum of intervals' differences).</summary>
    public void Add(EventCounts other)
    {
        ArgumentNullException.ThrowIfNull(other);
        for (int i = 0; i < _counts.Length; i++) _counts[i] += other._counts[i];
    }

    public override string ToString() =>
        string.Join(", ", Enumerable.Range(0, Size).Where(i => _counts[i] != 0).Select(i => $"{(CostEvent)i}={_counts[i]}"));
}
