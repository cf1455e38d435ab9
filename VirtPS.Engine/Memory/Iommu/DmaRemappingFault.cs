namespace VirtPS.Engine.Memory.Iommu;

/// <summary>
/// A DMA request the remapping hardware blocked: who asked (source-id), for what input address (IOVA), to read or write,
/// the fault reason (VT-d §7 table; <see cref="Code"/> is the FR field) and why, in words.
/// </summary>
public sealed record DmaRemappingFault(SourceId Source, ulong Iova, AccessKind Access, DmaFaultReason Reason, string Text)
{
    /// <summary>The fault reason number, as the spec's table and the FR field give it.</summary>
    public byte Code => (byte)Reason;

    public override string ToString() =>
        $"DMAR fault {Code:X}h: {Source} {(Access == AccessKind.Write ? "write" : "read")} at IOVA 0x{Iova:X}: {Text}";
}
