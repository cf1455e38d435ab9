namespace VirtPS.Engine.Memory.Iommu;

/// <summary>
/// A DMA-remapping domain (VT-d §3.3): one isolated IOVA space, identified by its domain id (the context entry's DID),
/// with its own second-level page table of <see cref="Levels"/> levels rooted at <see cref="PageTableRoot"/> in the
/// unit's table memory. Made and changed only through <see cref="IommuUnit"/>.
/// </summary>
public sealed class IommuDomain
{
    internal IommuDomain(ushort id, IommuAddressWidth width, ulong root)
    {
        Id = id; AddressWidth = width; PageTableRoot = root;
    }

    public ushort Id { get; }
    public IommuAddressWidth AddressWidth { get; }
    /// <summary>Second-level table levels: 3 for a 39-bit AGAW, 4 for 48-bit.</summary>
    public int Levels => AddressWidth == IommuAddressWidth.Bits48 ? 4 : 3;
    /// <summary>The AW field encoding of the context entry (§9.3): 001b for 39-bit, 010b for 48-bit.</summary>
    public ulong AwField => AddressWidth == IommuAddressWidth.Bits48 ? 2UL : 1UL;
    /// <summary>The host-physical address of the top-level second-level table (the context entry's SLPTPTR).</summary>
    public ulong PageTableRoot { get; }
    /// <summary>Bytes of IOVA currently mapped.</summary>
    public ulong MappedBytes { get; internal set; }
    /// <summary>Devices whose context entries point at this domain.</summary>
    public IReadOnlyList<SourceId> Devices => DeviceList;
    internal List<SourceId> DeviceList { get; } = [];

    public override string ToString() => $"domain {Id} ({(int)AddressWidth}-bit, {Levels}-level)";
}
