namespace VirtPS.Engine.Memory.Iommu;

/// <summary>
/// The requester of a DMA transaction as a PCI Express request carries it (VT-d §3.4.1, "source-id"): bus in bits 15:8,
/// device in bits 7:3, function in bits 2:0. The bus indexes the root table, device:function the context table.
/// </summary>
public readonly record struct SourceId
{
    public SourceId(byte bus, byte device, byte function)
    {
        if (device > 31) throw new ArgumentOutOfRangeException(nameof(device), $"PCI device number must be 0-31; got {device}.");
        if (function > 7) throw new ArgumentOutOfRangeException(nameof(function), $"PCI function number must be 0-7; got {function}.");
        Bus = bus; Device = device; Function = function;
    }

    public byte Bus { get; }
    public byte Device { get; }
    public byte Function { get; }
    /// <summary>Device and function together (bits 7:0 of the source-id): the index into the bus's context table.</summary>
    public byte DevFn => (byte)(Device << 3 | Function);
    /// <summary>The 16-bit source-id, as a fault recording register's SID field holds it.</summary>
    public ushort Value => (ushort)(Bus << 8 | DevFn);

    public static SourceId FromValue(ushort value) => new((byte)(value >> 8), (byte)((value >> 3) & 31), (byte)(value & 7));

    public override string ToString() => $"{Bus:x2}:{Device:x2}.{Function:x}";
}
