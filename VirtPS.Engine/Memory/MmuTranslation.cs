namespace VirtPS.Engine.Memory;

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
