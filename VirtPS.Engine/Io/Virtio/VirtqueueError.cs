namespace VirtPS.Engine.Io.Virtio;

/// <summary>
/// Why a virtqueue stopped: a driver broke a "driver MUST" rule of virtio 1.2 §2.7, or the device's DMA to the queue's
/// own structures was refused. The queue is then broken and the device sets DEVICE_NEEDS_RESET (§2.1.2: "The device
/// SHOULD set DEVICE_NEEDS_RESET when it enters an error state that a reset is needed").
/// </summary>
public enum VirtqueueError
{
    None,
    /// <summary>A ring or table address violates the alignment of §2.7 (descriptor table 16, available ring 2, used ring 4).</summary>
    Misaligned,
    /// <summary>A DMA to the descriptor table, the rings, an indirect table or a status byte was refused.</summary>
    DmaRefused,
    /// <summary>avail.idx ran more than Queue Size entries ahead of what the device consumed (§2.7.6).</summary>
    AvailIndexOutOfRange,
    /// <summary>A head or <c>next</c> index is not inside its descriptor table.</summary>
    DescriptorIndexOutOfRange,
    /// <summary>A chain longer than the Queue Size (or than its indirect table) or than 2^32 bytes: a loop (§2.7.5.2) or a
    /// driver breaking §2.7.5.3.1.</summary>
    ChainTooLong,
    /// <summary>VIRTQ_DESC_F_INDIRECT used although VIRTIO_F_INDIRECT_DESC was not negotiated (§2.7.5.3.1).</summary>
    IndirectNotNegotiated,
    /// <summary>VIRTQ_DESC_F_INDIRECT inside an indirect table (§2.7.5.3.1: only one table per descriptor).</summary>
    NestedIndirect,
    /// <summary>Both VIRTQ_DESC_F_INDIRECT and VIRTQ_DESC_F_NEXT set (§2.7.5.3.1).</summary>
    IndirectWithNext,
    /// <summary>An indirect table whose length is zero or not a multiple of 16 (§2.7.5.3).</summary>
    IndirectTableLength,
    /// <summary>A device-readable descriptor after a device-writable one (§2.7.4.2: writable elements come last).</summary>
    ReadableAfterWritable,
    /// <summary>The device found the request itself unusable (for virtio-blk: no room for the header or the status byte).</summary>
    MalformedRequest,
}
