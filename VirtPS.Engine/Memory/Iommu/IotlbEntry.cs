namespace VirtPS.Engine.Memory.Iommu;

/// <summary>One cached second-level translation: a domain's page (4 KiB or 2 MiB) of IOVA, the host page it maps to,
/// and the rights the walk found (read, write: the AND over every level).</summary>
public readonly record struct IotlbEntry(ushort DomainId, ulong IovaPage, ulong HostPage, ulong PageSize, bool Read, bool Write)
{
    public bool Covers(ushort domainId, ulong iova) => domainId == DomainId && iova - IovaPage < PageSize;
}
