using System.Buffers.Binary;
using VirtPS.Engine.Memory;

namespace VirtPS.Engine.Io.Virtio;

/// <summary>
/// A split virtqueue as it stands in guest memory, decoded by the structure layouts of virtio 1.2 §2.7 (what
/// <c>Get-VVirtqueue</c> shows): the descriptor table (§2.7.5), the available ring with used_event (§2.7.6) and the used
/// ring with avail_event (§2.7.8), plus the device's own position in it.
/// </summary>
public sealed record VirtqueueSnapshot(
    string Device, int Queue, int Size, ulong DescriptorTable, ulong AvailRing, ulong UsedRing,
    IReadOnlyList<VirtqDescriptor> Descriptors,
    ushort AvailFlags, ushort AvailIdx, IReadOnlyList<ushort> AvailEntries, ushort UsedEvent,
    ushort UsedFlags, ushort UsedIdx, IReadOnlyList<VirtqUsedElement> UsedElements, ushort AvailEvent,
    ushort DeviceLastAvailIdx, bool EventIdx, bool IndirectDescriptors, VirtqueueCounters Counters)
{
    /// <summary>Reads queue <paramref name="index"/> of <paramref name="device"/> through <paramref name="memory"/>; null if a
    /// part of it lies outside guest memory.</summary>
    public static VirtqueueSnapshot? Read(string device, int index, SplitVirtqueue q, IDma memory)
    {
        int n = q.Size;
        var d = new byte[16 * n];
        var a = new byte[6 + 2 * n];
        var u = new byte[6 + 8 * n];
        if (!memory.Read(q.DescriptorTable, d) || !memory.Read(q.AvailRing, a) || !memory.Read(q.UsedRing, u)) return null;
        ushort U16(byte[] b, int o) => BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan(o));
        var descriptors = new VirtqDescriptor[n];
        for (int k = 0; k < n; k++) descriptors[k] = VirtqDescriptor.Decode(d.AsSpan(16 * k, 16));
        var avail = new ushort[n];
        for (int k = 0; k < n; k++) avail[k] = U16(a, 4 + 2 * k);
        var used = new VirtqUsedElement[n];
        for (int k = 0; k < n; k++)
            used[k] = new(BinaryPrimitives.ReadUInt32LittleEndian(u.AsSpan(4 + 8 * k)), BinaryPrimitives.ReadUInt32LittleEndian(u.AsSpan(8 + 8 * k)));
        return new VirtqueueSnapshot(device, index, n, q.DescriptorTable, q.AvailRing, q.UsedRing, descriptors,
            U16(a, 0), U16(a, 2), avail, U16(a, 4 + 2 * n), U16(u, 0), U16(u, 2), used, U16(u, 4 + 8 * n),
            q.LastAvailIdx, q.EventIdx, q.IndirectDesc, q.Counters);
    }
}
