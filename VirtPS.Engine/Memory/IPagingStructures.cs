using System.Buffers.Binary;

namespace VirtPS.Engine.Memory;

/// <summary>How a page walk reaches the paging structures it reads: straight in guest-physical memory, or
/// (nested paging) through a second translation per table. A struct, so each use is compiled on its own.</summary>
public interface IPagingStructures
{
    /// <summary>Whether guest-physical <paramref name="at"/> holds memory a table entry can be read from.</summary>
    bool Contains(ulong at);
    /// <summary>Reads the level-<paramref name="level"/> entry at guest-physical <paramref name="at"/> in the table
    /// at <paramref name="table"/>; false stops the walk (the reader holds the reason).</summary>
    bool TryRead(int level, ulong table, ulong at, out ulong entry);
    /// <summary>Sets accessed and dirty bits (a reader that must leave no trace ignores it).</summary>
    void Write(ulong at, ulong entry);
}
