namespace VirtPS.Engine.Memory;

/// <summary>A cached upper-level entry: the table it points to (guest-physical in the guest dimension, host-physical
/// in the EPT dimension) and the rights of every entry from the top down to it (Intel SDM Vol. 3A, 4.10.3.1).</summary>
public readonly record struct WalkCacheEntry(ulong Table, bool Writable, bool User, bool Executable);
