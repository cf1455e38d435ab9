namespace VirtPS.Engine.Io.Virtio;

/// <summary>
/// A virtio device's own part (virtio-blk, virtio-net), under whichever transport carries it (<see cref="VirtioPciFunction"/>):
/// what it offers, its configuration space, its queues, and what it does when the driver notifies a queue.
/// </summary>
public interface IVirtioBackend
{
    /// <summary>The virtio device ID (§5: 1 network, 2 block).</summary>
    int DeviceType { get; }
    /// <summary>Feature bits offered (§2.2).</summary>
    ulong DeviceFeatures { get; }
    /// <summary>Negotiation (§3.1.1): keeps the driver's features the device offered.</summary>
    ulong Negotiate(ulong driverFeatures);
    int QueueCount { get; }
    /// <summary>Largest queue size the device supports (queue_size's reset value).</summary>
    int MaxQueueSize { get; }
    /// <summary>Device configuration space (§4.1.4.6: read through the device cfg structure).</summary>
    void ReadConfig(int offset, Span<byte> into);
    /// <summary>The driver enabled queue <paramref name="index"/> at these guest addresses.</summary>
    SplitVirtqueue SetUpQueue(int index, int size, ulong descriptorTable, ulong availRing, ulong usedRing);
    /// <summary>The driver notified queue <paramref name="index"/>: process it; true if a used buffer notification is due.</summary>
    bool Notify(int index);
    /// <summary>Device reset (status written 0): queues forgotten.</summary>
    void Reset();
    /// <summary>A live queue, or null.</summary>
    SplitVirtqueue? Queue(int index);
}
