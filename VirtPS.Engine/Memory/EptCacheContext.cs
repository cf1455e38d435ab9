using System.Buffers.Binary;

namespace VirtPS.Engine.Memory;

/// <summary>The caches in front of an EPT walk: the nested TLB and the EPT dimension's paging-structure caches, whose
/// entries carry <see cref="Context"/>, the tag of this EPT (see Processor.EptContext);
/// <see cref="Peek"/> uses them without changing them.</summary>
public readonly record struct EptCacheContext(NestedTlb? Nested, PagingStructureCaches? Walk, bool Peek = false, ushort Context = 0);
