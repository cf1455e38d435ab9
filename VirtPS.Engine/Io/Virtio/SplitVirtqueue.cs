using System.Buffers.Binary;
using System.Numerics;
using VirtPS.Engine.Memory;

namespace VirtPS.Engine.Io.Virtio;

/// <summary>
/// The device side of a virtio 1.2 split virtqueue (§2.7) living in guest memory at three driver-given addresses. Every
/// access to the descriptor table, the rings and the buffers goes through <see cref="IDma"/>:
/// <list type="bullet">
/// <item>descriptor table (§2.7.5): Queue Size × 16-byte <see cref="VirtqDescriptor"/>s, 16-byte aligned;</item>
/// <item>available ring (§2.7.6): flags u16, idx u16, ring[N] u16, then used_event u16 when EVENT_IDX; 2-byte aligned;</item>
/// <item>used ring (§2.7.8): flags u16, idx u16, ring[N] of {id u32, len u32}, then avail_event u16 when EVENT_IDX; 4-byte aligned.</item>
/// </list>
/// A driver that breaks a "driver MUST" rule, or a refused DMA to the queue's own structures, does not throw: the queue
/// becomes <see cref="Broken"/> with an <see cref="Error"/>, and the device reports DEVICE_NEEDS_RESET (§2.1.2).
/// </summary>
public sealed class SplitVirtqueue
{
    readonly IDma _dma;
    ushort _lastAvail;       // next available-ring entry the device will consume
    ushort _usedIdx;         // the device's copy of used.idx
    ushort _signalledUsed;   // used.idx at the last interrupt decision (vring_need_event's "old")

    /// <param name="size">Queue Size: a power of 2, at most 32768 (§2.7).</param>
    /// <param name="features">The negotiated feature bits; <see cref="VirtqueueFeatures.EventIdx"/> and
    /// <see cref="VirtqueueFeatures.IndirectDesc"/> matter here.</param>
    public SplitVirtqueue(IDma dma, int size, ulong descriptorTable, ulong availRing, ulong usedRing, ulong features)
    {
        ArgumentNullException.ThrowIfNull(dma);
        if (!IsValidSize(size))
            throw new ArgumentOutOfRangeException(nameof(size), size, "A split virtqueue's size is a power of 2 no larger than 32768 (virtio 1.2 §2.7).");
        _dma = dma;
        Size = size;
        DescriptorTable = descriptorTable; AvailRing = availRing; UsedRing = usedRing;
        EventIdx = (features & VirtqueueFeatures.EventIdx) != 0;
        IndirectDesc = (features & VirtqueueFeatures.IndirectDesc) != 0;
        // §2.7, "Virtqueue Part Alignment": descriptor table 16, available ring 2, used ring 4.
        if (descriptorTable % 16 != 0 || availRing % 2 != 0 || usedRing % 4 != 0) Fail(VirtqueueError.Misaligned);
        // An area whose end wraps past 2^64 could alias low guest memory through the offsets below: refuse it as DMA would.
        if (descriptorTable > ulong.MaxValue - 16UL * (ulong)size || availRing > ulong.MaxValue - (6 + 2UL * (ulong)size)
            || usedRing > ulong.MaxValue - (6 + 8UL * (ulong)size)) Fail(VirtqueueError.DmaRefused);
    }

    public static bool IsValidSize(int size) => size > 0 && size <= VirtqueueFeatures.MaxQueueSize && BitOperations.IsPow2(size);

    public int Size { get; }
    public ulong DescriptorTable { get; }
    public ulong AvailRing { get; }
    public ulong UsedRing { get; }
    /// <summary>VIRTIO_F_EVENT_IDX in effect: used_event/avail_event decide notifications instead of the flags. Settable,
    /// to measure what it saves; the driver must agree (it was negotiated), since it changes what the rings mean.</summary>
    public bool EventIdx { get; set; }
    /// <summary>VIRTIO_F_INDIRECT_DESC negotiated: descriptors may point at indirect tables (§2.7.5.3).</summary>
    public bool IndirectDesc { get; }
    public bool Broken => Error != VirtqueueError.None;
    public VirtqueueError Error { get; private set; }
    public VirtqueueCounters Counters { get; } = new();
    /// <summary>The next available-ring index the device will consume.</summary>
    public ushort LastAvailIdx => _lastAvail;
    /// <summary>used.idx as the device last wrote it.</summary>
    public ushort UsedIdx => _usedIdx;

    // Byte offsets inside the three areas (§2.7.5, §2.7.6, §2.7.8).
    ulong AvailFlagsAddr => AvailRing;
    ulong AvailIdxAddr => AvailRing + 2;
    ulong AvailEntryAddr(int i) => AvailRing + 4 + 2UL * (ulong)i;
    ulong UsedEventAddr => AvailRing + 4 + 2UL * (ulong)Size;
    ulong UsedFlagsAddr => UsedRing;
    ulong UsedIdxAddr => UsedRing + 2;
    ulong UsedEntryAddr(int i) => UsedRing + 4 + 8UL * (ulong)i;
    ulong AvailEventAddr => UsedRing + 4 + 8UL * (ulong)Size;

    /// <summary>Marks the queue broken (a device error); the first error is kept.</summary>
    public void Fail(VirtqueueError error)
    {
        if (error != VirtqueueError.None && Error == VirtqueueError.None) Error = error;
    }

    /// <summary>Counts an available buffer notification (a kick) from the driver.</summary>
    public void NotificationReceived() => Counters.NotificationsReceived++;

    /// <summary>True if the driver has made chains available that the device has not consumed (false if broken).</summary>
    public bool HasAvailable() => !Broken && TryReadU16(AvailIdxAddr, out var idx) && idx != _lastAvail;

    /// <summary>
    /// Pops the next available chain, following VIRTQ_DESC_F_NEXT and one VIRTQ_DESC_F_INDIRECT table. False when nothing
    /// is available or the queue is (or becomes) broken; on a malformed chain the queue is broken and nothing is returned.
    /// </summary>
    public bool TryPop(out VirtqChain? chain)
    {
        chain = null;
        if (Broken || !TryReadU16(AvailIdxAddr, out var availIdx)) return false;
        ushort pending = (ushort)(availIdx - _lastAvail);
        if (pending == 0) return false;
        // §2.7.6: the driver adds at most Queue Size entries ahead of the device; more is a corrupt index.
        if (pending > Size) { Fail(VirtqueueError.AvailIndexOutOfRange); return false; }
        if (!TryReadU16(AvailEntryAddr(_lastAvail % Size), out var head)) return false;
        if (!Walk(head, out chain)) return false;
        _lastAvail++;
        Counters.ChainsProcessed++;
        Counters.Descriptors += chain!.DescriptorCount;
        Counters.ReadableBytes += chain.ReadableLength;
        return true;
    }

    bool Walk(ushort head, out VirtqChain? chain)
    {
        chain = null;
        var readable = new List<VirtqBuffer>();
        var writable = new List<VirtqBuffer>();
        ulong table = DescriptorTable;
        int tableSize = Size, limit = Size, walked = 0, descriptors = 0;
        ulong bytes = 0;
        bool indirect = false;
        ushort index = head;
        Span<byte> raw = stackalloc byte[VirtqDescriptor.Size];
        while (true)
        {
            if (index >= tableSize) { Fail(VirtqueueError.DescriptorIndexOutOfRange); return false; }
            // §2.7.5.3.1: no chain longer than the Queue Size (an indirect table: than its entries); §2.7.5.2: "loops in the
            // descriptor chain are forbidden" - a loop never ends, so it trips this too.
            if (++walked > limit) { Fail(VirtqueueError.ChainTooLong); return false; }
            if (!_dma.Read(table + (ulong)index * VirtqDescriptor.Size, raw)) { Fail(VirtqueueError.DmaRefused); return false; }
            var d = VirtqDescriptor.Decode(raw);
            descriptors++;
            if (d.IsIndirect)
            {
                // §2.7.5.3.1 driver requirements, enforced as device errors; §2.7.5.3.2: the device ignores WRITE here.
                if (!IndirectDesc) { Fail(VirtqueueError.IndirectNotNegotiated); return false; }
                if (indirect) { Fail(VirtqueueError.NestedIndirect); return false; }
                if (d.HasNext) { Fail(VirtqueueError.IndirectWithNext); return false; }
                if (d.Length == 0 || d.Length % VirtqDescriptor.Size != 0 || d.Length / VirtqDescriptor.Size > VirtqueueFeatures.MaxQueueSize)
                { Fail(VirtqueueError.IndirectTableLength); return false; }
                if (d.Address > ulong.MaxValue - d.Length) { Fail(VirtqueueError.DmaRefused); return false; }   // would wrap past 2^64
                indirect = true;
                table = d.Address;
                tableSize = limit = (int)(d.Length / VirtqDescriptor.Size);
                walked = 0; index = 0;
                continue;
            }
            // §2.7.5.2: "Drivers MUST NOT add a descriptor chain longer than 2^32 bytes in total".
            if ((bytes += d.Length) > uint.MaxValue) { Fail(VirtqueueError.ChainTooLong); return false; }
            if (d.IsWrite) writable.Add(new VirtqBuffer(d.Address, d.Length, true));
            else if (writable.Count > 0) { Fail(VirtqueueError.ReadableAfterWritable); return false; }   // §2.7.4.2
            else readable.Add(new VirtqBuffer(d.Address, d.Length, false));
            if (!d.HasNext) break;
            index = d.Next;
        }
        chain = new VirtqChain(head, readable, writable, descriptors);
        return true;
    }

    /// <summary>
    /// Returns a chain to the driver: writes used.ring[used.idx % N] = {id, len}, then used.idx + 1 (§2.7.8.2: "The device
    /// MUST set len prior to updating the used idx"). <paramref name="written"/> is the bytes written into the chain's
    /// device-writable buffers from their start. False (and the queue broken) if the DMA is refused.
    /// </summary>
    public bool Push(ushort head, uint written)
    {
        if (Broken) return false;
        Span<byte> elem = stackalloc byte[8];
        BinaryPrimitives.WriteUInt32LittleEndian(elem, head);
        BinaryPrimitives.WriteUInt32LittleEndian(elem[4..], written);
        if (!Write(UsedEntryAddr(_usedIdx % Size), elem)) return false;
        if (!TryWriteU16(UsedIdxAddr, (ushort)(_usedIdx + 1))) return false;
        _usedIdx++;
        Counters.WrittenBytes += written;
        return true;
    }

    /// <summary>
    /// Decides whether the used elements pushed since the last decision need a used buffer notification (§2.7.7.2).
    /// Without EVENT_IDX: notify unless avail.flags has VIRTQ_AVAIL_F_NO_INTERRUPT. With EVENT_IDX: the device ignores the
    /// flags and notifies iff the index used_event was passed, vring_need_event(used_event, new, old). Counts the decision.
    /// </summary>
    public bool ShouldInterrupt()
    {
        if (Broken || _usedIdx == _signalledUsed) return false;
        bool notify;
        if (EventIdx)
        {
            if (!TryReadU16(UsedEventAddr, out var usedEvent)) return false;
            notify = VirtqueueFeatures.NeedEvent(usedEvent, _usedIdx, _signalledUsed);
        }
        else
        {
            if (!TryReadU16(AvailFlagsAddr, out var flags)) return false;
            notify = (flags & VirtqueueFeatures.AvailNoInterrupt) == 0;
        }
        _signalledUsed = _usedIdx;
        if (notify) Counters.InterruptsSent++; else Counters.InterruptsSuppressed++;
        return notify;
    }

    /// <summary>
    /// Asks the driver for no available buffer notifications while the device is busy (§2.7.10.2): without EVENT_IDX
    /// used.flags = VIRTQ_USED_F_NO_NOTIFY; with EVENT_IDX used.flags stays 0 ("The device MUST set flags to 0") and
    /// avail_event is simply left behind, so the driver's vring_need_event stays false.
    /// </summary>
    public void DisableNotifications()
    {
        if (!Broken && !EventIdx) TryWriteU16(UsedFlagsAddr, VirtqueueFeatures.UsedNoNotify);
    }

    /// <summary>
    /// Asks for a notification when the driver adds the next chain (§2.7.10.2): with EVENT_IDX publishes
    /// avail_event = the next index the device will consume; without it clears used.flags. Returns true if chains became
    /// available meanwhile (the caller processes them rather than wait for a kick that may never come).
    /// </summary>
    public bool EnableNotifications()
    {
        if (Broken) return false;
        if (EventIdx) { if (!TryWriteU16(UsedFlagsAddr, 0) || !PublishAvailEvent()) return false; }
        else if (!TryWriteU16(UsedFlagsAddr, 0)) return false;
        return HasAvailable();
    }

    /// <summary>Writes avail_event = <see cref="LastAvailIdx"/> (device side of EVENT_IDX, §2.7.10).</summary>
    public bool PublishAvailEvent() => !Broken && TryWriteU16(AvailEventAddr, _lastAvail);

    bool TryReadU16(ulong address, out ushort value)
    {
        Span<byte> b = stackalloc byte[2];
        if (!_dma.Read(address, b)) { Fail(VirtqueueError.DmaRefused); value = 0; return false; }
        value = BinaryPrimitives.ReadUInt16LittleEndian(b);
        return true;
    }

    bool TryWriteU16(ulong address, ushort value)
    {
        Span<byte> b = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(b, value);
        return Write(address, b);
    }

    bool Write(ulong address, ReadOnlySpan<byte> data)
    {
        if (_dma.Write(address, data)) return true;
        Fail(VirtqueueError.DmaRefused);
        return false;
    }
}
