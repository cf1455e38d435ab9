using System.Buffers.Binary;

namespace VirtPS.Engine.Memory;

/// <summary>A failed walk: the #PF error code (Intel SDM Vol. 3A, 4.7), why, and the memory references the walk
/// made before it stopped.</summary>
public readonly record struct PageFault(ulong ErrorCode, string Reason)
{
    public int References { get; init; }
}
