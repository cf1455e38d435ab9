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
