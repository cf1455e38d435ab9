using VirtPS.Engine.Memory.Iommu;

namespace VirtPS.Engine.Guests;

/// <summary>
/// A guest's IOMMU domain as <c>Get-VIommu</c> shows it: the mappings its second-level tables hold (read from the tables),
/// the devices assigned to it, the remapping hardware's counts, and the DMA-remapping faults in the fault-recording
/// registers, each with its VT-d fault reason.
/// </summary>
public sealed class GuestIommu
{
    internal GuestIommu(Guest guest, IommuUnit unit, IommuDomain domain)
    {
        Guest = guest.Name;
        Domain = domain.Id;
        AddressWidth = (int)domain.AddressWidth;
        Levels = domain.Levels;
        Mappings = unit.Mappings(domain);
        Devices = domain.Devices.Select(s => s.ToString()).ToList();
        Translations = unit.Translations;
        IotlbHits = unit.IotlbHits; IotlbMisses = unit.IotlbMisses;
        PageWalkReferences = unit.PageWalkReferences;
        FaultCount = unit.Faults;
        Faults = unit.FaultLog.Pending;
        FaultStatus = unit.FaultLog.FaultStatus;
    }

    public string Guest { get; }
    public ushort Domain { get; }
    /// <summary>The domain's adjusted guest address width, in bits (39 or 48), and its table levels.</summary>
    public int AddressWidth { get; }
    public int Levels { get; }
    public IReadOnlyList<IommuMapping> Mappings { get; }
    /// <summary>Requester IDs (bus:device.function) of the devices assigned to the domain.</summary>
    public IReadOnlyList<string> Devices { get; }
    public long Translations { get; }
    public long IotlbHits { get; }
    public long IotlbMisses { get; }
    public long PageWalkReferences { get; }
    /// <summary>DMA requests the unit blocked; the fault-recording registers keep the first ones (<see cref="Faults"/>).</summary>
    public long FaultCount { get; }
    public IReadOnlyList<DmaRemappingFault> Faults { get; }
    /// <summary>FSTS_REG: PFO, PPF and the fault record index (VT-d §11.4.7.1).</summary>
    public uint FaultStatus { get; }
}
