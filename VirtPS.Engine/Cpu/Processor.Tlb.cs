using VirtPS.Engine.Memory;

namespace VirtPS.Engine.Cpu;

/// <summary>
/// The processor's translation hardware: the TLB, the paging-structure caches and the nested TLB in front of the walks,
/// and the invalidations the SDM defines for them (Vol. 3A, 4.10.4; Vol. 3C, 28.3.3). The host page caches stay a subset
/// of the L1 DTLB: whatever leaves it leaves them.
/// </summary>
public sealed partial class Processor
{
    static readonly long[] NoStamps = new long[1];
    LruClock _lru = new();
    long[] _frontStamps = NoStamps;
    int _frontWay;
    /// <summary>Set by a translation the TLB now holds (the host caches may keep only those).</summary>
    bool _inTlb;

    /// <summary>The TLB, walk caches and nested TLB this processor uses. They belong to the physical CPU: a host may hand
    /// the same instance to several guests' processors, which then tell their entries apart by <see cref="Vpid"/>.</summary>
    public TranslationCaches Caches { get; private set; } = null!;

    /// <summary>Whether the TLB model is in the translation path. Off, every host-cache miss walks (nothing is cached, and
    /// walk references are not priced): the reference a differential test compares the model with.</summary>
    public bool TlbModel
    {
        get => _tlbModel;
        set { _tlbModel = value; Caches.FlushAll(); DropHostCaches(); TranslationEpoch++; }
    }
    bool _tlbModel = true;

    /// <summary>The VPID this processor's entries are tagged with: 0, the host's tag, for an untagged guest. A new tag
    /// leaves the entries made under the old one behind; becoming untagged, the processor could meet other untagged
    /// guests' entries, so everything goes.</summary>
    public ushort Vpid
    {
        get => _vpid;
        internal set
        {
            if (value == _vpid) return;
            _vpid = value;
            if (value == 0) Caches.FlushAll();
            DropHostCaches();
            TranslationEpoch++;
        }
    }
    ushort _vpid;

    /// <summary>
    /// The tag of this guest's EPT in the nested TLB and the EPT walk caches. Hardware tags guest-physical mappings by
    /// the EPT's root address (EP4TA, Intel SDM Vol. 3C, 28.3.1), which differs for every guest; this model keeps each
    /// guest's EPT in memory of its own at the same address, so its host numbers them instead (with the guest's VPID
    /// number, whether or not its TLB entries are tagged). 0 on caches of its own.
    /// </summary>
    public ushort EptContext { get; internal set; }

    /// <summary>Whether CPUID.1:ECX[17] reports PCIDs (and CR4.PCIDE may be set).</summary>
    public bool PcidSupported { get; internal set; } = true;

    /// <summary>Lookups of this processor that missed every TLB level (the TLB's own statistics count every guest that
    /// shares it, on a host's physical CPU).</summary>
    public long TlbMisses { get; private set; }

    /// <summary>Memory references of walks made because the TLB missed: priced as PageWalkReference.</summary>
    public long TlbMissReferences { get; private set; }

    /// <summary>The linear page of the code the last ITLB lookup was for (the run loop looks up again when a block starts
    /// on another page).</summary>
    internal ulong ItlbPage = ulong.MaxValue;

    /// <summary>The PCID entries are tagged with: CR3[11:0] with CR4.PCIDE; 0 otherwise, and where the hardware does not
    /// walk the guest's tables (shadow paging: the VMM loads its own roots, untagged).</summary>
    public ushort CurrentPcid => (Cr4 & Cr4PCIDE) != 0 && _walksGuestTables ? (ushort)(Cr3 & 0xFFF) : (ushort)0;

    void InitTlb() => UseCaches(new TranslationCaches());

    /// <summary>Puts <paramref name="caches"/> in this processor's translation path (a fresh TLB or a host's).</summary>
    public void UseCaches(TranslationCaches caches)
    {
        Caches = caches;
        Wire();
        DropHostCaches();
    }

    /// <summary>Changes the TLB's geometry (validated first, so a bad one changes nothing); the TLB starts empty.</summary>
    public void ConfigureTlb(TlbConfiguration configuration)
    {
        Caches.Reconfigure(configuration);
        Wire();
        DropHostCaches();
    }

    /// <summary>
    /// Before this processor runs. If another guest's processor used these caches since (a host's physical CPU passed
    /// to this guest), the TLB's drops went to that one, so this one's host caches may hold what the TLB no longer
    /// does: rewire and drop them. And what the other guest cached must not serve this one: untagged (VPID 0), its
    /// linear and combined mappings go (Intel SDM Vol. 3C, 28.3.3.3); guest-physical mappings carry their EPT's
    /// context and stay, unless this guest has none to tell them apart by.
    /// </summary>
    internal void EnsureWired()
    {
        if (ReferenceEquals(Caches.WiredTo, this)) return;
        bool shared = Caches.WiredTo != null;
        UseCaches(Caches);
        if (!shared) return;
        if (Vpid == 0) { Caches.Tlb.FlushAll(); Caches.Guest.Clear(); }
        if (EptContext == 0) { Caches.Nested.Clear(); Caches.Ept.Clear(); }
    }

    /// <summary>Translates through <paramref name="caches"/> from the next run on (a host's physical CPU's).</summary>
    internal void Attach(TranslationCaches caches) => Caches = caches;

    void Wire()
    {
        Caches.WiredTo = this;
        var tlb = Caches.Tlb;
        _lru = tlb.Clock;
        tlb.DataDropped = DropHostPage;
        tlb.InstructionDropped = _ => ItlbPage = ulong.MaxValue;
        tlb.Cleared = DropHostCaches;
    }

    /// <summary>An L1 DTLB entry went: the host caches (and a soft TLB) forget every 4 KiB page it covered.</summary>
    void DropHostPage(TlbKey key)
    {
        int span = key.PageShift - 12;
        if (span == 0)
        {
            int i = (int)(key.Page & (CacheSize - 1));
            foreach (var c in (HostPage[][])[_rdSup, _wrSup, _rdUser, _wrUser])
                if (c[i].Tag == key.Page) c[i].Tag = ulong.MaxValue;
        }
        else
            foreach (var c in (HostPage[][])[_rdSup, _wrSup, _rdUser, _wrUser])
                for (int i = 0; i < CacheSize; i++)
                    if (c[i].Tag != ulong.MaxValue && c[i].Tag >> span == key.Page) c[i].Tag = ulong.MaxValue;
        _softTlb?.Forget(key.Page, key.PageShift);
    }

    /// <summary>Every linear and combined mapping of this VPID goes, with the guest-dimension walk caches (CR0 and CR4
    /// paging changes, a shadow reset, an EPT change); decoded blocks check their mappings again.</summary>
    internal void InvalidateTlbAll()
    {
        FlushLinear();
        DropHostCaches();
        TranslationEpoch++;
    }

    void FlushLinear()
    {
        if (Vpid == 0) Caches.Tlb.FlushAll();
        else Caches.Tlb.Invvpid(1, Vpid, 0);
        Caches.Guest.Invalidate(Vpid);
    }

    /// <summary>INVLPG (SDM Vol. 3A, 4.10.4.1): the page's entries for the current PCID and global ones, and every
    /// paging-structure-cache entry of the current PCID.</summary>
    internal void InvalidateTlbPage(ulong la)
    {
        ushort pcid = CurrentPcid;
        Caches.Tlb.FlushPage(Vpid, pcid, la);
        Caches.Guest.Invalidate(Vpid, pcid);
        DropHostCaches();
        TranslationEpoch++;
    }

    /// <summary>A shadow leaf was cleared: the page's entries go (shadow entries are PCID 0 and never global).</summary>
    internal void ShadowPageInvalidated(ulong la)
    {
        Caches.Tlb.FlushPage(Vpid, 0, la);
        ItlbPage = ulong.MaxValue;
        TranslationEpoch++;
    }

    /// <summary>MOV to CR3 (SDM Vol. 3A, 4.10.4.1): without PCIDs the non-global entries of PCID 0 go; with CR4.PCIDE the
    /// new PCID's, unless bit 63 of the source asked to keep them. The host caches are untagged, so they always go.</summary>
    internal void OnCr3Load(bool keep)
    {
        if (!keep || !_walksGuestTables)
        {
            ushort pcid = CurrentPcid;
            Caches.Tlb.FlushNonGlobal(Vpid, pcid);
            Caches.Guest.Invalidate(Vpid, pcid);
        }
        DropHostCaches();
        TranslationEpoch++;
    }

    /// <summary>INVPCID (SDM Vol. 2A): type 0 one address in one PCID, 1 one PCID, 2 everything, 3 everything but globals;
    /// the paging-structure caches of that PCID (types 0, 1) or of all (2, 3).</summary>
    internal void Invpcid(int type, ushort pcid, ulong la)
    {
        if (!_walksGuestTables) pcid = 0;
        Caches.Tlb.Invpcid(type, Vpid, pcid, la);
        if (type <= 1) Caches.Guest.Invalidate(Vpid, pcid); else Caches.Guest.Invalidate(Vpid);
        DropHostCaches();
        TranslationEpoch++;
    }

    /// <summary>A VM entry or exit without VPIDs (SDM Vol. 3C, 28.3.3.3): every linear and combined mapping of VPID 0 goes;
    /// guest-physical mappings (the nested TLB, the EPT walk caches) stay. Page tables did not change, so decoded blocks keep.</summary>
    internal void FlushOnVmTransition()
    {
        if (!TlbModel) return;
        FlushLinear();
        DropHostCaches();
    }

    /// <summary>The VMM changed EPT (single-context INVEPT, Intel SDM Vol. 3C, 28.3.3.1): this EPT's guest-physical
    /// mappings go, and the combined ones of this VPID.</summary>
    internal void EptInvalidated()
    {
        Caches.Nested.Invalidate(EptContext);
        Caches.Ept.Invalidate(EptContext);
        InvalidateTlbAll();
    }

    /// <summary>The run loop's ITLB lookup for a block starting on a page other than the last one looked up: a miss walks
    /// (a fault there is left to the decoder, which meets it on its own fetch).</summary>
    internal void FetchTlb(ulong ip)
    {
        ItlbPage = ip >> 12;
        if (!_tlbModel) return;
        try { Translate(ip, Access.Execute); }
        catch (GuestFault) { ItlbPage = ulong.MaxValue; }
    }
}
