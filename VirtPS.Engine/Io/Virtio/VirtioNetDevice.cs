using System.Buffers.Binary;
using VirtPS.Engine.Memory;

namespace VirtPS.Engine.Io.Virtio;

/// <summary>
/// The backend of a virtio-net device (virtio 1.2 §5.1): device ID 1, receiveq 0 and transmitq 1 (§5.1.2), VIRTIO_NET_F_MAC
/// (config <c>mac</c> at offset 0, §5.1.4) and no offloads. Each buffer starts with <c>struct virtio_net_hdr</c> (§5.1.6):
/// 12 bytes once VIRTIO_F_VERSION_1 is negotiated (flags, gso_type, hdr_len, gso_size, csum_start, csum_offset,
/// num_buffers). Transmit: every chain the driver made available on transmitq is one header and one frame, handed to
/// <see cref="Transmit"/>. Receive: a frame from the wire fills the next available receiveq chain behind a header with
/// num_buffers 1 (§5.1.6.4: without VIRTIO_NET_F_MRG_RXBUF each packet uses one chain) and is used at once; with no
/// chain available the frame is dropped, as a NIC with an empty receive ring drops it.
/// </summary>
public sealed class VirtioNetDevice : IVirtioBackend
{
    public const int DeviceId = 1;
    public const int ReceiveQueue = 0, TransmitQueue = 1;
    /// <summary>sizeof(struct virtio_net_hdr) with VERSION_1 (§5.1.6).</summary>
    public const int HeaderSize = 12;
    /// <summary>VIRTIO_NET_F_MAC (bit 5): the device has a given MAC address (§5.1.3).</summary>
    public const ulong FeatureMac = 1UL << 5;
    /// <summary>Bytes of the config space this device defines: mac[6], status le16 (present, reading 0: no VIRTIO_NET_F_STATUS).</summary>
    public const int ConfigSize = 8;
    const int MaxFrame = 1514;

    readonly IDma _dma;
    readonly byte[] _mac;
    SplitVirtqueue? _rx, _tx;

    public VirtioNetDevice(ReadOnlySpan<byte> mac, IDma dma)
    {
        ArgumentNullException.ThrowIfNull(dma);
        if (mac.Length != 6) throw new ArgumentException("A MAC address is 6 bytes.", nameof(mac));
        _mac = mac.ToArray();
        _dma = dma;
    }

    public ulong DeviceFeatures => VirtqueueFeatures.Version1 | FeatureMac;
    public ulong NegotiatedFeatures { get; private set; }
    public int MaxQueueSize => 256;
    int IVirtioBackend.DeviceType => DeviceId;
    int IVirtioBackend.QueueCount => 2;

    /// <summary>Called with each frame the driver transmits (the header stripped).</summary>
    public Action<byte[]>? Transmit { get; set; }
    /// <summary>Called when a received frame's used buffer needs a notification (the transport's <see cref="VirtioPciFunction.SignalUsed"/>).</summary>
    public Action? UsedBufferNotification { get; set; }

    public long FramesSent { get; private set; }
    public long FramesReceived { get; private set; }
    public long BytesSent { get; private set; }
    public long BytesReceived { get; private set; }
    /// <summary>Frames dropped: no receive buffer available, a buffer too small, or the device not set up.</summary>
    public long FramesDropped { get; private set; }
    /// <summary>Transmit chains that were not a header and a frame (completed, nothing sent).</summary>
    public long MalformedTransmits { get; private set; }

    public ulong Negotiate(ulong driverFeatures) => NegotiatedFeatures = driverFeatures & DeviceFeatures;

    public void ReadConfig(int offset, Span<byte> into)
    {
        Span<byte> config = stackalloc byte[ConfigSize];
        _mac.CopyTo(config);
        into.Clear();
        for (int k = 0; k < into.Length; k++)
            if (offset + k >= 0 && offset + k < ConfigSize) into[k] = config[offset + k];
    }

    public SplitVirtqueue SetUpQueue(int index, int size, ulong descriptorTable, ulong availRing, ulong usedRing)
    {
        var q = new SplitVirtqueue(_dma, size, descriptorTable, availRing, usedRing, NegotiatedFeatures);
        if (index == ReceiveQueue) _rx = q; else _tx = q;
        return q;
    }

    public SplitVirtqueue? Queue(int index) => index == ReceiveQueue ? _rx : index == TransmitQueue ? _tx : null;

    public void Reset() { _rx = _tx = null; NegotiatedFeatures = 0; }

    /// <summary>A notification: transmitq sends what is available; receiveq (new buffers) needs nothing now.</summary>
    public bool Notify(int index)
    {
        var q = Queue(index);
        if (q == null || q.Broken) return false;
        q.NotificationReceived();
        if (index != TransmitQueue) return false;
        while (q.TryPop(out var chain))
        {
            long length = chain!.ReadableLength - HeaderSize;
            if (length < 14 || length > MaxFrame) MalformedTransmits++;
            else
            {
                var frame = new byte[length];
                if (chain.ReadReadable(_dma, HeaderSize, frame))
                {
                    FramesSent++; BytesSent += length;
                    Transmit?.Invoke(frame);
                }
                else MalformedTransmits++;
            }
            if (!q.Push(chain.Head, 0)) break;
        }
        return q.ShouldInterrupt();
    }

    /// <summary>A frame from the wire for the driver's next receive buffer; returns whether a buffer took it.</summary>
    public bool Receive(ReadOnlySpan<byte> frame)
    {
        var q = _rx;
        if (q == null || q.Broken || !q.TryPop(out var chain)) { FramesDropped++; return false; }
        if (chain!.WritableLength < HeaderSize + frame.Length) { FramesDropped++; q.Push(chain.Head, 0); return false; }
        Span<byte> header = stackalloc byte[HeaderSize];
        header.Clear();
        BinaryPrimitives.WriteUInt16LittleEndian(header[10..], 1);   // num_buffers
        if (!chain.WriteWritable(_dma, 0, header) || !chain.WriteWritable(_dma, HeaderSize, frame)) { FramesDropped++; q.Push(chain.Head, 0); return false; }
        FramesReceived++; BytesReceived += frame.Length;
        q.Push(chain.Head, (uint)(HeaderSize + frame.Length));
        if (q.ShouldInterrupt()) UsedBufferNotification?.Invoke();
        return true;
    }
}
