using System.Buffers.Binary;

namespace VirtPS.Engine.Memory;

/// <summary>The paging-structure caches a walk may start from and fill, with the tags they are looked up by;
/// <see cref="Peek"/> looks without changing them (a look that must leave no trace).</summary>
public readonly record struct WalkCacheContext(PagingStructureCaches? Caches, ushort Vpid, ushort Pcid, bool Peek = false);
