namespace VirtPS.Engine.Io.Virtio;

/// <summary>
/// The transport- and ring-level feature bits of virtio 1.2 §6 ("Reserved Feature Bits"), as bit numbers and masks,
/// and the flags of the available and used rings' <c>flags</c> fields (§2.7.7, §2.7.10).
/// </summary>
public static class VirtqueueFeatures
{
    /// <summary>Bit 28: the driver may use descriptors with VIRTQ_DESC_F_INDIRECT (§2.7.5.3).</summary>
    public const int IndirectDescBit = 28;
    /// <summary>Bit 29: used_event / avail_event notification suppression (§2.7.7, §2.7.10).</summary>
    public const int EventIdxBit = 29;
    /// <summary>Bit 32: compliance with virtio 1.x (not a legacy device).</summary>
    public const int Version1Bit = 32;

    public const ulong IndirectDesc = 1UL << IndirectDescBit;
    public const ulong EventIdx = 1UL << EventIdxBit;
    public const ulong Version1 = 1UL << Version1Bit;

    /// <summary>VIRTQ_AVAIL_F_NO_INTERRUPT: the driver's hint in avail.flags that it wants no used buffer notification (§2.7.7).</summary>
    public const ushort AvailNoInterrupt = 1;
    /// <summary>VIRTQ_USED_F_NO_NOTIFY: the device's hint in used.flags that it wants no available buffer notification (§2.7.10).</summary>
    public const ushort UsedNoNotify = 1;

    /// <summary>The largest queue size a split virtqueue may have (§2.7: "The maximum Queue Size value is 32768").</summary>
    public const int MaxQueueSize = 32768;

    /// <summary>
    /// vring_need_event from the spec's virtio_queue.h helper (§2.7.7 and §2.7.10 define the rule it implements): having
    /// moved an index from <paramref name="oldIdx"/> to <paramref name="newIdx"/>, the other side asked to be told when
    /// the entry at <paramref name="eventIdx"/> was written, i.e. iff eventIdx lies in [oldIdx, newIdx) modulo 2^16.
    /// </summary>
    public static bool NeedEvent(ushort eventIdx, ushort newIdx, ushort oldIdx) =>
        (ushort)(newIdx - eventIdx - 1) < (ushort)(newIdx - oldIdx);
}
