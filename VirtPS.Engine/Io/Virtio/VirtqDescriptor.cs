using System.Buffers.Binary;

namespace VirtPS.Engine.Io.Virtio;

/// <summary>
/// One entry of a split virtqueue's descriptor table, <c>struct virtq_desc</c> of virtio 1.2 §2.7.5: 16 bytes,
/// little-endian: addr u64 at 0, len u32 at 8, flags u16 at 12, next u16 at 14.
/// </summary>
public readonly record struct VirtqDescriptor(ulong Address, uint Length, ushort Flags, ushort Next)
{
    /// <summary>Bytes per descriptor.</summary>
    public const int Size = 16;
    /// <summary>VIRTQ_DESC_F_NEXT: the buffer continues via <see cref="Next"/>.</summary>
    public const ushort FlagNext = 1;
    /// <summary>VIRTQ_DESC_F_WRITE: the buffer is device write-only (otherwise device read-only).</summary>
    public const ushort FlagWrite = 2;
    /// <summary>VIRTQ_DESC_F_INDIRECT: the buffer holds a table of descriptors (§2.7.5.3).</summary>
    public const ushort FlagIndirect = 4;

    public bool HasNext => (Flags & FlagNext) != 0;
    public bool IsWrite => (Flags & FlagWrite) != 0;
    public bool IsIndirect => (Flags & FlagIndirect) != 0;

    public static VirtqDescriptor Decode(ReadOnlySpan<byte> bytes) => new(
        BinaryPrimitives.ReadUInt64LittleEndian(bytes),
        BinaryPrimitives.ReadUInt32LittleEndian(bytes[8..]),
        BinaryPrimitives.ReadUInt16LittleEndian(bytes[12..]),
        BinaryPrimitives.ReadUInt16LittleEndian(bytes[14..]));

    public void Encode(Span<byte> bytes)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, Address);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes[8..], Length);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes[12..], Flags);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes[14..], Next);
    }
}
