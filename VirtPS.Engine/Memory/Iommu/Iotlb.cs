namespace VirtPS.Engine.Memory.Iommu;

/// <summary>
/// The remapping unit's IOTLB (VT-d §6.2.4): a small, fully associative cache of second-level translations tagged by
/// domain id, replaced least recently used first. Software keeps it coherent by explicit invalidation (§6.5: global,
/// domain-selective and page-selective IOTLB invalidation); changing the tables alone does not reach it.
/// </summary>
public sealed class Iotlb
{
    readonly List<IotlbEntry> _entries;   // least recently used first

    public Iotlb(int capacity = 32)
    {
        if (capacity < 1) throw new ArgumentOutOfRangeException(nameof(capacity), "An IOTLB holds at least one entry.");
        Capacity = capacity;
        _entries = new(capacity);
    }

    public int Capacity { get; }
    public int Count => _entries.Count;
    public long Hits { get; private set; }
    public long Misses { get; private set; }
    public IReadOnlyList<IotlbEntry> Entries => _entries;

    /// <summary>Looks <paramref name="iova"/> up for <paramref name="domainId"/>, counting a hit or a miss.</summary>
    public bool TryGet(ushort domainId, ulong iova, out IotlbEntry entry)
    {
        for (int i = 0; i < _entries.Count; i++)
        {
            if (!_entries[i].Covers(domainId, iova)) continue;
            entry = _entries[i];
            _entries.RemoveAt(i);
            _entries.Add(entry);
            Hits++;
            return true;
        }
        Misses++;
        entry = default;
        return false;
    }

    public void Insert(IotlbEntry entry)
    {
        _entries.RemoveAll(e => e.DomainId == entry.DomainId && e.IovaPage == entry.IovaPage);
        if (_entries.Count == Capacity) _entries.RemoveAt(0);
        _entries.Add(entry);
    }

    /// <summary>Global invalidation: every entry.</summary>
    public int InvalidateAll() { int n = _entries.Count; _entries.Clear(); return n; }

    /// <summary>Domain-selective invalidation: every entry of <paramref name="domainId"/>.</summary>
    public int InvalidateDomain(ushort domainId) => _entries.RemoveAll(e => e.DomainId == domainId);

    /// <summary>Page-selective invalidation: the entries of <paramref name="domainId"/> overlapping [iova, iova + size).</summary>
    public int InvalidateRange(ushort domainId, ulong iova, ulong size) =>
        _entries.RemoveAll(e => e.DomainId == domainId && e.IovaPage < iova + size && iova < e.IovaPage + e.PageSize);
}
