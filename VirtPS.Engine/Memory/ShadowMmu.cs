namespace VirtPS.Engine.Memory;

/// <summary>
/// Shadow paging (<see cref="ShadowPageTables"/>): the hardware walks the VMM's GVA → HPA tables, which the VMM fills
/// from the guest's on hidden faults and keeps in step with the guest's page-table writes, CR3 loads and INVLPGs.
/// </summary>
public sealed class ShadowMmu(PhysicalMemory memory, ShadowPageTables tables) : IGuestMmu
{
    /// <summary>The VMM's shadow tables.</summary>
    public ShadowPageTables Tables { get; } = tables;

    public MemoryVirtualization Kind => MemoryVirtualization.Shadow;
    public bool HardwareWalksGuestTables => false;

    public MmuTranslation Translate(ulong la, AccessKind access, in PagingMode mode, in MmuContext context)
    {
        // The shadow's roots are the VMM's and untagged: its walk caches are looked up with PCID 0.
        if (Tables.Translate(context.Cr3, la, access, mode, out var pf, out bool cacheable, out var hw, out int refs, context.Guest(0)) is not { } spa)
            return MmuTranslation.Fault(pf with { References = refs });
        // The shadow leaf's rights are what the hardware caches (the VMM backs guest frame n with host frame n).
        return new MmuTranslation(spa, new TlbEntry(spa >> 12, spa >> 12, 0x1000, hw.Writable, hw.User, hw.Executable, hw.Dirty), false, refs)
        { Cacheable = cacheable, TracedWrite = !cacheable && access == AccessKind.Write };
    }

    public ulong? Probe(ulong la, in PagingMode mode) => Tables.Peek(la, AccessKind.Execute, mode);

    /// <summary>Under shadow paging the look-ahead must not count as (or fill on) a guest fault: it peeks at the shadow.</summary>
    public ReadAhead? ReadAhead(ulong la, in PagingMode mode) =>
        Tables.Peek(la, AccessKind.Execute, mode, out var pf) is { } ahead && memory.Contains(ahead)
            ? new ReadAhead(ahead, false, null) : new ReadAhead(0, false, pf);

    public MmuInspection Inspect(ulong la, AccessKind access, in PagingMode mode, in MmuContext context, List<WalkReference> log) =>
        Tables.Walk(mode.Cr3, la, access, mode, log) is { } s
            ? new MmuInspection(s.Physical, s.Physical, s.PageSize, "Walk", 0)
            // No shadow entry yet: the VMM would fill it from the guest's tables on a hidden fault.
            : NativeMmu.InspectGuestTables(memory, la, access, mode, default, log, "GuestTables");

    public void Invalidate(MmuInvalidation what, ulong cr3, ulong la)
    {
        if (what == MmuInvalidation.Page) Tables.Invalidate(cr3, la);
        else Tables.Reset();
    }

    public void WriteLanded() => Tables.WriteLanded();
}
