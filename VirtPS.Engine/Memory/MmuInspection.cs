namespace VirtPS.Engine.Memory;

/// <summary>What an inspection found: the addresses, the page size, where it came from, or the fault it would raise.</summary>
public readonly record struct MmuInspection(ulong Gpa, ulong Hpa, ulong PageSize, string Source, int WalkCacheHits)
{
    public PageFault? PageFault { get; init; }
    public EptFault? EptFault { get; init; }
}
