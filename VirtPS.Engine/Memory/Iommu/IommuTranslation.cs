namespace VirtPS.Engine.Memory.Iommu;

/// <summary>The outcome of one DMA-remapping translation: the host-physical address and the size of the page that mapped
/// it, or the fault; whether the IOTLB answered; and how many table entries were read.</summary>
public readonly record struct IommuTranslation(ulong HostAddress, ulong PageSize, DmaRemappingFault? Fault, bool IotlbHit, int References)
{
    public bool Succeeded => Fault == null;
}
