namespace VirtPS.Engine.Memory.Iommu;

/// <summary>A run of a domain's second-level mappings: IOVA (for an assigned device, a guest-physical address) to host-physical,
/// with the rights of its leaf entries.</summary>
public sealed record IommuMapping(ushort Domain, ulong Iova, ulong HostAddress, ulong Size, bool Read, bool Write);
