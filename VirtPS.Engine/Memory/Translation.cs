using System.Buffers.Binary;

namespace VirtPS.Engine.Memory;

/// <summary>A successful walk: the physical address and the size of the page that mapped it.</summary>
public readonly record struct Translation(ulong Physical, ulong PageSize, int References)
{
    /// <summary>The permissions the whole walk grants (R/W and U/S on every level, XD on none) and whether
    /// the leaf is dirty: what a shadow or TLB entry caches.</summary>
    public bool Writable { get; init; }
    public bool User { get; init; }
    public bool Executable { get; init; }
    public bool Dirty { get; init; }
    /// <summary>The leaf's G bit (a TLB keeps the entry across PCIDs when CR4.PGE is set).</summary>
    public bool Global { get; init; }
    /// <summary>The level of the first table the walk read: 4 from the root, lower when a paging-structure cache
    /// supplied the entries above it.</summary>
    public int StartLevel { get; init; }
}
