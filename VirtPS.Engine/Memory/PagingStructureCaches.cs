namespace VirtPS.Engine.Memory;

/// <summary>
/// Paging-structure caches (Intel SDM Vol. 3A, 4.10.3): a PML4E cache, a PDPTE cache and a PDE cache, each
/// set-associative. A walk starts below the deepest hit, skipping the references above it. One instance serves one
/// dimension of a walk: the guest's linear addresses, or (nested paging) the guest-physical addresses EPT translates.
/// The sizes are this model's choice in the range published for recent cores and for the 24-entry page walk cache
/// Bhargava et al. (ASPLOS 2008) evaluate: 4 PML4Es and 4 PDPTEs fully associative, 32 PDEs 4-way.
/// </summary>
public sealed class PagingStructureCaches
{
    readonly SetAssociativeCache<WalkCacheKey, WalkCacheEntry>[] _levels;   // [0] PDE, [1] PDPTE, [2] PML4E

    public PagingStructureCaches(string dimension)
    {
        Dimension = dimension;
        _levels =
        [
            new(new CacheGeometry(32, 4), $"{dimension} PDE cache"),
            new(new CacheGeometry(4, 4), $"{dimension} PDPTE cache"),
            new(new CacheGeometry(4, 4), $"{dimension} PML4E cache"),
        ];
    }

    public string Dimension { get; }
    /// <summary>Off: every walk starts at the root, nothing is cached.</summary>
    public bool Enabled { get; set; } = true;
    /// <summary>Walks that started below the root thanks to a cached entry, and walks that found none.</summary>
    public long Hits { get; private set; }
    public long Misses { get; private set; }
    /// <summary>Hits of traceless looks (Get-VTranslation), kept apart from the hardware's statistics.</summary>
    internal int PeekHits;

    static ulong Prefix(ulong address, int level) => (address & 0xFFFF_FFFF_FFFF) >> (12 + 9 * (level - 1));

    /// <summary>
    /// The deepest cached entry for <paramref name="address"/>: returns the level of the table the walk reads next
    /// (1 after a PDE hit, 2 after a PDPTE, 3 after a PML4E) with the entry in <paramref name="entry"/>, or 4 (a walk
    /// from the root). <paramref name="peek"/> looks without a trace (no recency change, no statistics).
    /// </summary>
    public int Find(ushort vpid, ushort pcid, ulong address, out WalkCacheEntry entry, bool peek = false)
    {
        entry = default;
        if (!Enabled) return 4;
        for (int level = 2; level <= 4; level++)
        {
            var key = new WalkCacheKey(vpid, pcid, level, Prefix(address, level));
            var c = _levels[level - 2];
            if (peek ? c.TryPeek(key.Prefix, key, out entry) : c.TryGet(key.Prefix, key, out entry))
            {
                if (!peek) Hits++; else PeekHits++;
                return level - 1;
            }
        }
        if (!peek) Misses++;
        return 4;
    }

    /// <summary>Caches the level-<paramref name="level"/> entry a walk for <paramref name="address"/> just used.</summary>
    public void Fill(ushort vpid, ushort pcid, ulong address, int level, in WalkCacheEntry entry)
    {
        if (!Enabled || level is < 2 or > 4) return;
        var key = new WalkCacheKey(vpid, pcid, level, Prefix(address, level));
        _levels[level - 2].Put(key.Prefix, key, entry);
    }

    /// <summary>Drops the entries of one PCID (MOV to CR3, INVLPG, INVPCID types 0 and 1).</summary>
    public void Invalidate(ushort vpid, ushort pcid)
    {
        foreach (var c in _levels) c.Invalidate((k, _) => k.Vpid == vpid && k.Pcid == pcid);
    }

    /// <summary>Drops every entry of one VPID (INVPCID types 2 and 3, an untagged VM entry or exit), or in the EPT
    /// dimension of one EPT context (single-context INVEPT).</summary>
    public void Invalidate(ushort vpid)
    {
        foreach (var c in _levels) c.Invalidate((k, _) => k.Vpid == vpid);
    }

    public void Clear() { foreach (var c in _levels) c.Clear(); }

    public IEnumerable<(string Level, WalkCacheKey Key, WalkCacheEntry Entry)> Entries() =>
        _levels.SelectMany(c => c.Entries().Select(e => (c.Name, e.Key, e.Value)));

    public void ResetStatistics() { Hits = Misses = 0; foreach (var c in _levels) c.ResetStatistics(); }
}
