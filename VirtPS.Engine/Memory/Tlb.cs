namespace VirtPS.Engine.Memory;

/// <summary>
/// A core's TLBs: separate first-level instruction and data TLBs (each with a 4 KiB and a large-page array)
/// in front of a shared second-level TLB, all set-associative with LRU replacement. An STLB hit refills the
/// first level. Entries are tagged with a VPID and a PCID; the invalidations are the ones the SDM defines for
/// MOV to CR3, INVLPG, INVPCID and INVVPID (Vol. 3A, 4.10.4; Vol. 3C, 28.4.3).
/// </summary>
public sealed class Tlb
{
    /// <summary>The PCID value global entries are stored under: they match whatever PCID is current.</summary>
    public const ushort GlobalPcid = 0xFFFF;
    static readonly byte[] Shifts = [12, 21, 30];

    readonly SetAssociativeCache<TlbKey, TlbEntry> _iSmall, _iLarge, _dSmall, _dLarge, _stlb;
    long _l1DataHits;

    public Tlb(TlbConfiguration? configuration = null)
    {
        Configuration = configuration ?? TlbConfiguration.Skylake;
        Configuration.Validate();
        _iSmall = new(Configuration.InstructionSmall, "L1 ITLB (4 KiB)", Clock);
        _iLarge = new(Configuration.InstructionLarge, "L1 ITLB (2 MiB)", Clock);
        _dSmall = new(Configuration.DataSmall, "L1 DTLB (4 KiB)", Clock);
        _dLarge = new(Configuration.DataLarge, "L1 DTLB (2 MiB)", Clock);
        _stlb = new(Configuration.SecondLevel, "STLB", Clock);
        _dSmall.Dropped = _dLarge.Dropped = k => DataDropped?.Invoke(k);
        _iSmall.Dropped = _iLarge.Dropped = k => InstructionDropped?.Invoke(k);
    }

    /// <summary>One recency clock for every array, so a front cache's hits (<see cref="LruClock.FrontTicks"/>) order with the TLB's own.</summary>
    public LruClock Clock { get; } = new();
    /// <summary>An entry left the L1 DTLB (evicted or invalidated): a cache in front of it must forget that page.</summary>
    public Action<TlbKey>? DataDropped { get; set; }
    /// <summary>An entry left the L1 ITLB.</summary>
    public Action<TlbKey>? InstructionDropped { get; set; }
    /// <summary>Everything was flushed (<see cref="FlushAll"/>).</summary>
    public Action? Cleared { get; set; }
    /// <summary>The recency stamps and way of the L1 DTLB entry the last data lookup hit or filled: a front cache
    /// refreshes that entry's recency on its own hits.</summary>
    internal long[] LastDataStamps { get; private set; } = [0];
    internal int LastDataWay { get; private set; }

    public TlbConfiguration Configuration { get; }
    public long L1InstructionHits { get; private set; }
    public long L1InstructionMisses { get; private set; }
    /// <summary>L1 DTLB hits: the TLB's own lookups plus the hits a front cache served for it.</summary>
    public long L1DataHits => _l1DataHits + Clock.FrontTicks;
    public long L1DataMisses { get; private set; }
    public long StlbHits { get; private set; }
    public long StlbMisses { get; private set; }
    /// <summary>Whole-TLB or whole-tag flushes (untagged world switches and CR3 loads show up here).</summary>
    public long Flushes { get; private set; }

    /// <summary>
    /// Looks up <paramref name="la"/> for the given tags: the first level for the access's kind, then the
    /// STLB (which refills the first level on a hit). Global entries match any PCID.
    /// </summary>
    public TlbLevel Lookup(ulong la, bool instruction, ushort vpid, ushort pcid, out TlbEntry entry)
    {
        var (small, large) = instruction ? (_iSmall, _iLarge) : (_dSmall, _dLarge);
        if (Probe(small, large, la, vpid, pcid, out entry, out var hit, peek: false))
        {
            if (instruction) L1InstructionHits++; else { _l1DataHits++; Remember(hit.PageShift == 12 ? small : large); }
            return TlbLevel.L1;
        }
        if (instruction) L1InstructionMisses++; else L1DataMisses++;
        if (Probe(_stlb, _stlb, la, vpid, pcid, out entry, out var key, peek: false))
        {
            StlbHits++;
            var l1 = key.PageShift == 12 ? small : large;
            l1.Put(Index(key), key, entry);
            if (!instruction) Remember(l1);
            return TlbLevel.Stlb;
        }
        StlbMisses++;
        return TlbLevel.Miss;
    }

    /// <summary>As <see cref="Lookup"/>, leaving no trace: no recency change, no refill, no statistics.</summary>
    public TlbLevel Peek(ulong la, bool instruction, ushort vpid, ushort pcid, out TlbEntry entry)
    {
        var (small, large) = instruction ? (_iSmall, _iLarge) : (_dSmall, _dLarge);
        if (Probe(small, large, la, vpid, pcid, out entry, out _, peek: true)) return TlbLevel.L1;
        return Probe(_stlb, _stlb, la, vpid, pcid, out entry, out _, peek: true) ? TlbLevel.Stlb : TlbLevel.Miss;
    }

    void Remember(SetAssociativeCache<TlbKey, TlbEntry> l1) { LastDataStamps = l1.Stamps; LastDataWay = l1.LastWay; }

    static bool Probe(SetAssociativeCache<TlbKey, TlbEntry> small, SetAssociativeCache<TlbKey, TlbEntry> large, ulong la,
        ushort vpid, ushort pcid, out TlbEntry entry, out TlbKey found, bool peek)
    {
        foreach (byte shift in Shifts)
        {
            var cache = shift == 12 ? small : large;
            foreach (ushort p in (ReadOnlySpan<ushort>)[pcid, GlobalPcid])
            {
                var key = new TlbKey(vpid, p, la >> shift, shift);
                if (peek ? cache.TryPeek(Index(key), key, out entry) : cache.TryGet(Index(key), key, out entry)) { found = key; return true; }
            }
        }
        entry = default; found = default;
        return false;
    }

    static ulong Index(in TlbKey k) => k.Page;

    /// <summary>Caches a translation the walk just made, in the first level for its kind and in the STLB.</summary>
    public void Insert(ulong la, bool instruction, ushort vpid, ushort pcid, bool global, in TlbEntry entry)
    {
        byte shift = (byte)System.Numerics.BitOperations.Log2(entry.PageSize);
        var key = new TlbKey(vpid, global ? GlobalPcid : pcid, la >> shift, shift);
        var (small, large) = instruction ? (_iSmall, _iLarge) : (_dSmall, _dLarge);
        // The STLB first: an L1 fill last leaves its way as the one a front cache refreshes.
        _stlb.Put(Index(key), key, entry);
        var l1 = shift == 12 ? small : large;
        l1.Put(Index(key), key, entry);
        if (!instruction) Remember(l1);
    }

    IEnumerable<SetAssociativeCache<TlbKey, TlbEntry>> All => [_iSmall, _iLarge, _dSmall, _dLarge, _stlb];

    int Drop(Func<TlbKey, bool> match) => All.Sum(c => c.Invalidate((k, _) => match(k)));

    /// <summary>Everything goes (an untagged VM entry or exit, a CR4 change, a reset).</summary>
    public void FlushAll() { foreach (var c in All) c.Clear(); Flushes++; Cleared?.Invoke(); }

    /// <summary>MOV to CR3 without PCIDs, or with bit 63 clear: the non-global entries of that VPID and PCID go.</summary>
    public int FlushNonGlobal(ushort vpid, ushort pcid) { Flushes++; return Drop(k => k.Vpid == vpid && k.Pcid == pcid); }

    /// <summary>INVLPG: the page's entries for the current PCID, and global ones for it, go (SDM Vol. 3A, 4.10.4.1).</summary>
    public int FlushPage(ushort vpid, ushort pcid, ulong la) =>
        Drop(k => k.Vpid == vpid && (k.Pcid == pcid || k.Pcid == GlobalPcid) && k.Page == la >> k.PageShift);

    /// <summary>INVPCID: type 0 one address in one PCID, 1 one PCID, 2 all PCIDs with globals, 3 all PCIDs but globals.</summary>
    public int Invpcid(int type, ushort vpid, ushort pcid, ulong la) => type switch
    {
        0 => Drop(k => k.Vpid == vpid && k.Pcid == pcid && k.Page == la >> k.PageShift),
        1 => Drop(k => k.Vpid == vpid && k.Pcid == pcid),
        2 => Drop(k => k.Vpid == vpid),
        3 => Drop(k => k.Vpid == vpid && k.Pcid != GlobalPcid),
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    /// <summary>INVVPID: type 0 one address, 1 one VPID, 2 all VPIDs but the host's (0), 3 one VPID keeping globals.</summary>
    public int Invvpid(int type, ushort vpid, ulong la) => type switch
    {
        0 => Drop(k => k.Vpid == vpid && k.Page == la >> k.PageShift),
        1 => Drop(k => k.Vpid == vpid),
        2 => Drop(k => k.Vpid != 0),
        3 => Drop(k => k.Vpid == vpid && k.Pcid != GlobalPcid),
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    /// <summary>Every valid entry with the level that holds it (first-level entries are also in the STLB).</summary>
    public IEnumerable<(string Level, TlbKey Key, TlbEntry Entry)> Entries() =>
        All.SelectMany(c => c.Entries().Select(e => (c.Name, e.Key, e.Value)));

    public void ResetStatistics()
    {
        L1InstructionHits = L1InstructionMisses = _l1DataHits = L1DataMisses = StlbHits = StlbMisses = Flushes = 0;
        Clock.CacheTicks = Clock.Now;
        foreach (var c in All) c.ResetStatistics();
    }
}
