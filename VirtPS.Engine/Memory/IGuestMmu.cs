namespace VirtPS.Engine.Memory;

/// <summary>
/// A guest's memory-management unit as the processor sees it: one per guest, owned by its VMM, with one
/// implementation per way of virtualizing memory (<see cref="MemoryVirtualization"/>). The processor looks in its
/// TLB first and calls <see cref="Translate"/> only on a miss; it never asks which scheme it is talking to.
/// </summary>
public interface IGuestMmu
{
    /// <summary>Which scheme this is.</summary>
    MemoryVirtualization Kind { get; }

    /// <summary>Whether the hardware walks the guest's own tables. Under shadow paging it walks the VMM's: their
    /// roots carry no PCID (the VMM loads them untagged) and their leaves stay read-only until the VMM allows a write,
    /// whatever the guest's CR0.WP.</summary>
    bool HardwareWalksGuestTables => true;

    /// <summary>An emulator's software TLB in front of every access, or null where the host page caches serve.</summary>
    SoftTlb? SoftTlb => null;

    /// <summary>The walk the hardware makes for an access the TLB could not serve, with whatever the VMM does on the
    /// way (a shadow fill, an EPT violation's mapping). A fault comes back in the result, not as an exception.</summary>
    MmuTranslation Translate(ulong la, AccessKind access, in PagingMode mode, in MmuContext context);

    /// <summary>Where <paramref name="la"/> maps now for the simulator's own checks (a decoded block still valid?):
    /// no VMM event, no fault raised, nothing counted.</summary>
    ulong? Probe(ulong la, in PagingMode mode);

    /// <summary>How the decoder reads ahead into the next page in case an instruction crosses over: null to make an
    /// ordinary fetch, else what the look-ahead found (a deferred EPT access, or a fault it must not take yet).</summary>
    ReadAhead? ReadAhead(ulong la, in PagingMode mode) => null;

    /// <summary>The walk <see cref="Translate"/> would make, reference by reference, changing nothing (no A/D bit, no
    /// fill, no frame allocated).</summary>
    MmuInspection Inspect(ulong la, AccessKind access, in PagingMode mode, in MmuContext context, List<WalkReference> log);

    /// <summary>The guest changed how its tables are read (CR0, CR4), dropped a page (INVLPG) or a PCID (INVPCID), as the
    /// VMM saw it emulate the instruction; a scheme that derives tables of its own brings them in step.</summary>
    void Invalidate(MmuInvalidation what, ulong cr3, ulong la) { }

    /// <summary>A write that <see cref="Translate"/> marked <see cref="MmuTranslation.TracedWrite"/> has landed.</summary>
    void WriteLanded() { }
}

/// <summary>What the guest invalidated (see <see cref="IGuestMmu.Invalidate"/>).</summary>
public enum MmuInvalidation { PagingControls, Page, Pcid }

/// <summary>The processor's translation caches and tags a walk may use: null caches with the TLB model off.</summary>
public readonly record struct MmuContext(TranslationCaches? Caches, ushort Vpid, ushort Pcid, ushort EptContext, ulong Cr3, bool Peek = false)
{
    internal WalkCacheContext Guest(ushort pcid) => new(Caches?.Guest, Vpid, pcid, Peek);
    internal EptCacheContext Ept => new(Caches?.Nested, Caches?.Ept, Peek, EptContext);
}

/// <summary>How one access translated: the guest-physical address (guest memory is stored by it), the TLB entry the
/// hardware may cache, the memory references the walk made (every attempt's), or the fault that stopped it.</summary>
public readonly record struct MmuTranslation(ulong Gpa, TlbEntry Entry, bool Global, int References)
{
    /// <summary>The #PF the guest takes (its error code and why), when <see cref="Faulted"/>.</summary>
    public PageFault PageFault { get; init; }
    public bool Faulted { get; init; }
    /// <summary>A translation the VMM could not complete (an EPT exit it cannot resolve): a machine check.</summary>
    public string? MachineCheck { get; init; }
    /// <summary>False for an access the VMM must see again next time (a write to a guest page table under shadow paging).</summary>
    public bool Cacheable { get; init; } = true;
    /// <summary>A write the VMM traces: the MMU must be told once it landed (<see cref="IGuestMmu.WriteLanded"/>).</summary>
    public bool TracedWrite { get; init; }

    internal static MmuTranslation Fault(in PageFault pf) => new(0, default, false, pf.References) { PageFault = pf, Faulted = true };

    /// <summary>A successful walk of one dimension mapping guest frame n at host frame n.</summary>
    internal static MmuTranslation From(in Translation t)
    {
        ulong frame = (t.Physical & ~(t.PageSize - 1)) >> 12;
        return new(t.Physical, new TlbEntry(frame, frame, t.PageSize, t.Writable, t.User, t.Executable, t.Dirty), t.Global, t.References);
    }
}

/// <summary>What the decoder's read-ahead found: the page's guest-physical address to read (with the access left for
/// when an instruction really crosses over), or the fault it met, to be raised only if one does.</summary>
public readonly record struct ReadAhead(ulong Gpa, bool Deferred, PageFault? Fault);

/// <summary>What an inspection found: the addresses, the page size, where it came from, or the fault it would raise.</summary>
public readonly record struct MmuInspection(ulong Gpa, ulong Hpa, ulong PageSize, string Source, int WalkCacheHits)
{
    public PageFault? PageFault { get; init; }
    public EptFault? EptFault { get; init; }
}
