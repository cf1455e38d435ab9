namespace VirtPS.Engine.Memory;

/// <summary>
/// Nested paging (EPT): the two-dimensional walk (<see cref="NestedWalker"/>) through the guest's tables and the VMM's
/// <see cref="ExtendedPageTables"/>. An EPT violation or misconfiguration is a VM exit the VMM resolves
/// (<see cref="EptExit"/>: mapping the frame), after which the access is retried; the references of every attempt
/// count, as the hardware made them.
/// </summary>
public sealed class NestedMmu(PhysicalMemory memory, ExtendedPageTables ept) : IGuestMmu
{
    /// <summary>The VMM's extended page tables.</summary>
    public ExtendedPageTables Ept { get; } = ept;

    /// <summary>The VMM's handler for an EPT-induced VM exit: true if it fixed what stopped the access.</summary>
    public Func<EptFault, bool> EptExit { get; set; } = _ => false;

    public MemoryVirtualization Kind => MemoryVirtualization.Nested;

    public MmuTranslation Translate(ulong la, AccessKind access, in PagingMode mode, in MmuContext context)
    {
        int refs = 0;
        for (int attempt = 0; ; attempt++)
        {
            var w = NestedWalker.Walk(memory, Ept, la, access, mode, setFlags: true, null, context.Guest(context.Pcid), context.Ept);
            refs += w.References;
            switch (w.Outcome)
            {
                case NestedOutcome.Translated:
                    ulong size = w.PageSize;
                    var g = w.Guest;
                    // Guest memory is stored by GPA; the HPA is the EPT's business (and the TLB's).
                    return new MmuTranslation(w.Gpa, new TlbEntry((w.Hpa & ~(size - 1)) >> 12, (w.Gpa & ~(size - 1)) >> 12, size,
                        g.Writable, g.User, g.Executable, g.Dirty), g.Global, refs);
                case NestedOutcome.PageFault:
                    return MmuTranslation.Fault(w.PageFault with { References = refs });
            }
            // A walk needs at most five mappings (four tables and the page); more means the VMM cannot resolve it.
            if (!EptExit(w.Ept) || attempt > 8)
                return new MmuTranslation(0, default, false, refs) { MachineCheck = $"0x{la:X} maps to 0x{w.Ept.Gpa:X}, beyond guest memory" };
        }
    }

    public ulong? Probe(ulong la, in PagingMode mode) => NativeMmu.ProbeGuestTables(memory, la, mode);

    /// <summary>The look-ahead's page may not be in EPT yet: its bytes are read, but the access (and the EPT violation)
    /// happens only if an instruction really crosses over. The guest's tables (already in EPT) get the accessed bits
    /// the bare machine's look-ahead sets.</summary>
    public ReadAhead? ReadAhead(ulong la, in PagingMode mode)
    {
        if (NestedWalker.Walk(memory, Ept, la, AccessKind.Execute, mode, setFlags: false) is not
            { Outcome: NestedOutcome.EptExit, Ept.Qualification: var q } ahead || (q & 0x100) == 0 || !memory.Contains(ahead.Gpa))
            return null;
        PageWalker.Walk(memory, la, AccessKind.Execute, mode, out _);
        return new ReadAhead(ahead.Gpa, true, null);
    }

    public MmuInspection Inspect(ulong la, AccessKind access, in PagingMode mode, in MmuContext context, List<WalkReference> log)
    {
        var caches = context.Caches;
        int before = caches is null ? 0 : caches.Guest.PeekHits + caches.Ept.PeekHits + caches.Nested.PeekHits;
        var w = NestedWalker.Walk(memory, Ept, la, access, mode, setFlags: false, log, context.Guest(context.Pcid), context.Ept);
        int hits = caches is null ? 0 : caches.Guest.PeekHits + caches.Ept.PeekHits + caches.Nested.PeekHits - before;
        return w.Outcome switch
        {
            NestedOutcome.Translated => new(w.Gpa, w.Hpa, w.PageSize, hits > 0 ? "WalkCache" : "Walk", hits),
            NestedOutcome.PageFault => new(0, 0, 0, "", 0) { PageFault = w.PageFault },
            _ => new(0, 0, 0, "", 0) { EptFault = w.Ept },
        };
    }
}
