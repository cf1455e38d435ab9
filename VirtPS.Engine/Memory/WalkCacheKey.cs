namespace VirtPS.Engine.Memory;

/// <summary>What a paging-structure-cache entry is found by: its tags (in the guest dimension the VPID and PCID; in the
/// EPT dimension the EPT context, in the VPID's place, and 0), the level of the cached entry (4 PML4E, 3 PDPTE, 2 PDE)
/// and the address bits that select it (47:39, 47:30, 47:21).</summary>
public readonly record struct WalkCacheKey(ushort Vpid, ushort Pcid, int Level, ulong Prefix);
