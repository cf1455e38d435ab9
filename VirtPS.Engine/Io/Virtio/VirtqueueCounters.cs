namespace VirtPS.Engine.Io.Virtio;

/// <summary>What one virtqueue's device side has seen and done (counted events only; nothing derived).</summary>
public sealed class VirtqueueCounters
{
    /// <summary>Available buffer notifications (kicks) the device received.</summary>
    public long NotificationsReceived { get; internal set; }
    /// <summary>Descriptor chains popped from the available ring.</summary>
    public long ChainsProcessed { get; internal set; }
    /// <summary>Descriptors read, including each indirect-table descriptor and the entries of its table.</summary>
    public long Descriptors { get; internal set; }
    /// <summary>Interrupt decisions that sent a used buffer notification.</summary>
    public long InterruptsSent { get; internal set; }
    /// <summary>Interrupt decisions the driver's used_event or VIRTQ_AVAIL_F_NO_INTERRUPT suppressed.</summary>
    public long InterruptsSuppressed { get; internal set; }
    /// <summary>Bytes of device-readable buffers in the chains popped.</summary>
    public long ReadableBytes { get; internal set; }
    /// <summary>Bytes reported written in used elements (the sum of their <c>len</c>).</summary>
    public long WrittenBytes { get; internal set; }
}
