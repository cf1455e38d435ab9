namespace VirtPS.Engine.Memory;

/// <summary>A nested-TLB entry: the host-physical page a guest-physical page maps to, its size, and the rights of the
/// whole EPT walk (bits 2:0: read, write, execute).</summary>
public readonly record struct NestedTlbEntry(ulong HostPage, ulong PageSize, ulong Rights);
