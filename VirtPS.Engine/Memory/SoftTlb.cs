namespace VirtPS.Engine.Memory;

/// <summary>
/// An emulator's software TLB (QEMU's softmmu, Bochs' TLB): a lookup for every guest access, keyed by page, access
/// kind and privilege, and a walk on a miss. Like the host page caches it holds only what the modelled L1 DTLB holds,
/// so a hit refreshes that TLB entry's recency (<see cref="Stamps"/>[<see cref="Way"/>]).
/// </summary>
public sealed class SoftTlb
{
    public struct Entry { public ulong Frame; public long[] Stamps; public int Way; }

    readonly Dictionary<ulong, Entry> _entries = [];

    /// <summary>Lookups made: one per guest memory access.</summary>
    public long Lookups { get; internal set; }

    public static ulong Key(ulong la, AccessKind access, bool user) => (la >> 12) << 3 | (ulong)access << 1 | (user ? 1UL : 0);

    public bool TryGet(ulong key, out Entry e) => _entries.TryGetValue(key, out e);
    public void Set(ulong key, Entry e) => _entries[key] = e;
    public int Count => _entries.Count;
    public void Clear() => _entries.Clear();

    /// <summary>An L1 DTLB entry covering 2^<paramref name="pageShift"/> bytes at <paramref name="page"/> went: its pages go.</summary>
    public void Forget(ulong page, int pageShift)
    {
        if (_entries.Count == 0) return;
        int span = pageShift - 12;
        if (span == 0)
            for (ulong k = 0; k < 8; k++) _entries.Remove(page << 3 | k);
        else
            foreach (var k in _entries.Keys.Where(k => k >> 3 >> span == page).ToList()) _entries.Remove(k);
    }
}
