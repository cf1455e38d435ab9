namespace VirtPS.Engine.Memory;

/// <summary>
/// The nested TLB (Bhargava et al., ASPLOS 2008): guest-physical → host-physical translations cached so that the EPT
/// walk of each guest paging-structure reference, and of the final guest-physical address, is skipped on a hit. It holds
/// guest-physical mappings (Intel SDM Vol. 3C, 28.3.1), tagged by the EPT they came from (its EP4TA; here the
/// processor's Processor.EptContext), so VM entries, exits and switches between guests keep it;
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
