namespace VirtPS.Engine.Memory;

/// <summary>What a paging-structure-cache entry is found by: its tags (in the guest dimension the VPID and PCID; in the
/// EPT dimension the EPT context, in the VPID's place, and 0), the level of the cached entry (4 PML4E, 3 PDPTE, 2 PDE)
/// and the address bits that select it (47:39, 47:30, 47:21).</summary>
public readonly record struct WalkCacheKey(ushort Vpid, ushort Pcid, int Level, ulong Prefix);

/// <summary>A cached upper-level entry: the table it points to (guest-physical in the guest dimension, host-physical
/// in the EPT dimension) and the rights of every entry from the top down to it (Intel SDM Vol. 3A, 4.10.3.1).</summary>
public readonly record struct WalkCacheEntry(ulong Table, bool Writable, bool User, bool Executable);

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

/// <summary>A nested-TLB entry: the host-physical page a guest-physical page maps to, its size, and the rights of the
/// whole EPT walk (bits 2:0: read, write, execute).</summary>
public readonly record struct NestedTlbEntry(ulong HostPage, ulong PageSize, ulong Rights);

/// <summary>
/// The nested TLB (Bhargava et al., ASPLOS 2008): guest-physical → host-physical translations cached so that the EPT
/// walk of each guest paging-structure reference, and of the final guest-physical address, is skipped on a hit. It holds
/// guest-physical mappings (Intel SDM Vol. 3C, 28.3.1), tagged by the EPT they came from (its EP4TA; here the
/// processor's <see cref="Cpu.Processor.EptContext"/>), so VM entries, exits and switches between guests keep it;
/// INVEPT drops one context's or all. 32 entries, 4-way: this model's choice, between the paper's small nested TLBs
/// and a PDE-cache-sized array.
/// </summary>
public sealed class NestedTlb
{
    readonly SetAssociativeCache<(ulong Page, byte Shift, ushort Context), NestedTlbEntry> _cache = new(new CacheGeometry(32, 4), "nested TLB");

    public bool Enabled { get; set; } = true;
    public long Hits => _cache.Hits;
    public long Lookups { get; private set; }
    public long Misses => Lookups - Hits;
    internal int PeekHits;

    public bool TryGet(ushort context, ulong gpa, out NestedTlbEntry entry, bool peek = false)
    {
        entry = default;
        if (!Enabled) return false;
        foreach (byte shift in (ReadOnlySpan<byte>)[12, 21, 30])
        {
            var key = (gpa >> shift, shift, context);
            if (peek ? _cache.TryPeek(key.Item1, key, out entry) : _cache.TryGet(key.Item1, key, out entry))
            {
                if (!peek) Lookups++; else PeekHits++;
                return true;
            }
        }
        if (!peek) Lookups++;
        return false;
    }

    public void Fill(ushort context, ulong gpa, ulong hpa, ulong pageSize, ulong rights)
    {
        if (!Enabled) return;
        byte shift = (byte)System.Numerics.BitOperations.Log2(pageSize);
        _cache.Put(gpa >> shift, (gpa >> shift, shift, context), new NestedTlbEntry(hpa & ~(pageSize - 1), pageSize, rights));
    }

    public void Clear() => _cache.Clear();

    /// <summary>Drops one EPT context's entries (single-context INVEPT).</summary>
    public void Invalidate(ushort context) => _cache.Invalidate((k, _) => k.Context == context);

    public IEnumerable<(ushort Context, ulong Gpa, NestedTlbEntry Entry)> Entries() =>
        _cache.Entries().Select(e => (e.Key.Context, e.Key.Page << e.Key.Shift, e.Value));

    public void ResetStatistics() { _cache.ResetStatistics(); Lookups = 0; }
}

/// <summary>
/// A core's translation hardware: the TLB, the paging-structure caches of both walk dimensions, and the nested TLB.
/// A processor uses one; it belongs to the physical CPU, so several guests' vCPUs can share it, told apart by VPID.
/// </summary>
public sealed class TranslationCaches
{
    public TranslationCaches(TlbConfiguration? configuration = null) => Tlb = new Tlb(configuration);

    public Tlb Tlb { get; private set; }
    /// <summary>The processor whose host caches the TLB's drops are reported to: caches a host's physical CPU shares
    /// serve one guest's processor at a time, and a processor must be wired again before it runs.</summary>
    internal object? WiredTo { get; set; }
    public PagingStructureCaches Guest { get; } = new("guest");
    public PagingStructureCaches Ept { get; } = new("EPT");
    public NestedTlb Nested { get; } = new();

    /// <summary>Walk caches on or off, in both dimensions.</summary>
    public bool WalkCaches { get => Guest.Enabled; set { Guest.Enabled = Ept.Enabled = value; if (!value) { Guest.Clear(); Ept.Clear(); } } }
    public bool NestedTlbEnabled { get => Nested.Enabled; set { Nested.Enabled = value; if (!value) Nested.Clear(); } }

    /// <summary>Replaces the TLB with one of a new geometry (validated first: a bad one changes nothing).</summary>
    internal void Reconfigure(TlbConfiguration configuration)
    {
        configuration.Validate();
        var old = Tlb;
        Tlb = new Tlb(configuration) { DataDropped = old.DataDropped, InstructionDropped = old.InstructionDropped, Cleared = old.Cleared };
        Tlb.Cleared?.Invoke();
    }

    /// <summary>Everything goes: the TLB, both dimensions' walk caches and the nested TLB (Clear-VTlb).</summary>
    public void FlushAll()
    {
        Tlb.FlushAll();
        Guest.Clear();
        Ept.Clear();
        Nested.Clear();
    }

    public void ResetStatistics() { Tlb.ResetStatistics(); Guest.ResetStatistics(); Ept.ResetStatistics(); Nested.ResetStatistics(); }
}
