using System.Buffers.Binary;
using VirtPS.Engine.Memory;

namespace VirtPS.Tests.Io;

/// <summary>
/// Decodes a split virtqueue from guest memory by the struct layouts of virtio 1.2 §2.7 alone (struct offsets, not the
/// engine's code), for tests of the device and, later, of a Get-VVirtqueue cmdlet:
/// virtq_desc {le64 addr @0; le32 len @8; le16 flags @12; le16 next @14} × N;
/// virtq_avail {le16 flags @0; le16 idx @2; le16 ring[N] @4; le16 used_event @4+2N};
/// virtq_used {le16 flags @0; le16 idx @2; virtq_used_elem {le32 id; le32 len} ring[N] @4; le16 avail_event @4+8N}.
/// </summary>
public static class VirtqueueLayoutParser
{
    public sealed record Descriptor(int Index, ulong Addr, uint Len, ushort Flags, ushort Next)
    {
        public bool HasNext => (Flags & 1) != 0;
        public bool DeviceWrites => (Flags & 2) != 0;
        public bool IsIndirect => (Flags & 4) != 0;
    }

    public sealed record UsedElement(uint Id, uint Len);

    public sealed record Snapshot(
        int Size,
        IReadOnlyList<Descriptor> Descriptors,
        ushort AvailFlags, ushort AvailIdx, IReadOnlyList<ushort> AvailRing, ushort UsedEvent,
        ushort UsedFlags, ushort UsedIdx, IReadOnlyList<UsedElement> UsedRing, ushort AvailEvent)
    {
        /// <summary>The heads the driver has offered, oldest first, from avail-ring index <paramref name="from"/> up to avail.idx.</summary>
        public IEnumerable<ushort> Offered(ushort from) { for (ushort i = from; i != AvailIdx; i++) yield return AvailRing[i % Size]; }
    }

    public static Snapshot Parse(PhysicalMemory memory, int size, ulong desc, ulong avail, ulong used)
    {
        var d = memory.Read(desc, 16 * size);
        var a = memory.Read(avail, 6 + 2 * size);
        var u = memory.Read(used, 6 + 8 * size);
        ushort U16(byte[] b, int o) => BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan(o));
        uint U32(byte[] b, int o) => BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(o));
        var descriptors = Enumerable.Range(0, size).Select(i => new Descriptor(i,
            BinaryPrimitives.ReadUInt64LittleEndian(d.AsSpan(16 * i)), U32(d, 16 * i + 8), U16(d, 16 * i + 12), U16(d, 16 * i + 14))).ToArray();
        var availRing = Enumerable.Range(0, size).Select(i => U16(a, 4 + 2 * i)).ToArray();
        var usedRing = Enumerable.Range(0, size).Select(i => new UsedElement(U32(u, 4 + 8 * i), U32(u, 8 + 8 * i))).ToArray();
        return new Snapshot(size, descriptors, U16(a, 0), U16(a, 2), availRing, U16(a, 4 + 2 * size),
            U16(u, 0), U16(u, 2), usedRing, U16(u, 4 + 8 * size));
    }

    /// <summary>Decodes an indirect table of <paramref name="entries"/> descriptors (§2.7.5.3: same layout as the main table).</summary>
    public static IReadOnlyList<Descriptor> ParseTable(PhysicalMemory memory, ulong table, int entries)
    {
        var d = memory.Read(table, 16 * entries);
        return Enumerable.Range(0, entries).Select(i => new Descriptor(i,
            BinaryPrimitives.ReadUInt64LittleEndian(d.AsSpan(16 * i)), BinaryPrimitives.ReadUInt32LittleEndian(d.AsSpan(16 * i + 8)),
            BinaryPrimitives.ReadUInt16LittleEndian(d.AsSpan(16 * i + 12)), BinaryPrimitives.ReadUInt16LittleEndian(d.AsSpan(16 * i + 14)))).ToArray();
    }
}
