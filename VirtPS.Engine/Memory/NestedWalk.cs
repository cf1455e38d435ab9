namespace VirtPS.Engine.Memory;

/// <summary>
/// The result of a two-dimensional walk: the guest-physical and host-physical address, the guest's page size and
/// the EPT's, the memory references made (counted even when the walk stopped part-way), and what stopped it.
/// </summary>
public readonly record struct NestedWalk(NestedOutcome Outcome, ulong Gpa, ulong Hpa, ulong GuestPageSize, ulong EptPageSize,
    int References, PageFault PageFault, EptFault Ept)
{
    /// <summary>The size a TLB entry for this translation could cover: the smaller of the two page sizes.</summary>
    public ulong PageSize => Math.Min(GuestPageSize, EptPageSize);
    /// <summary>The guest dimension's result (permissions, G bit, where the walk started) when translated.</summary>
    public Translation Guest { get; init; }
}
