using System.Buffers.Binary;
using System.Text;
using VirtPS.Engine.Memory;

namespace VirtPS.Engine.Io.Virtio;

/// <summary>
/// The backend of a virtio-blk device (virtio 1.2 §5.2): device ID 2, one request queue (§5.2.2), requests of
/// §5.2.6 served from an <see cref="IBlockStore"/>, guest memory reached only through <see cref="IDma"/>. No transport
/// yet: the VMM's PCI or MMIO transport negotiates features, sets up the queue and calls <see cref="ProcessQueue"/> on
/// each queue notification.
/// <para>Errors: a request the device can frame but not perform (sector past capacity, data length not a multiple of
/// 512, a data buffer whose DMA is refused, a host IO error) completes with VIRTIO_BLK_S_IOERR, the status §5.2.6
/// defines for a failed request; an unknown type with VIRTIO_BLK_S_UNSUPP. A chain the device cannot frame at all
/// (no header, no status byte, a status byte whose DMA is refused) or a broken queue makes the device need a reset
/// (§2.1.2, DEVICE_NEEDS_RESET); nothing throws.</para>
/// </summary>
public sealed class VirtioBlkDevice : IVirtioBackend
{
    /// <summary>Virtio device ID of a block device (§5.2.1).</summary>
    public const int DeviceId = 2;
    /// <summary>DEVICE_NEEDS_RESET in device_status (§2.1).</summary>
    public const byte DeviceNeedsResetStatus = 0x40;
    /// <summary>Bytes of the GET_ID answer (§5.2.6: "up to 20 bytes", NUL-padded).</summary>
    public const int IdLength = 20;
    /// <summary>Segments per request the device advertises in config <c>seg_max</c> (two more descriptors carry header and status).</summary>
    public const uint SegMaxValue = 126;
    /// <summary>Bytes of the config space this device defines (through <c>num_queues</c>, §5.2.4).</summary>
    public const int ConfigSize = 36;
    const int Chunk = 64 * 1024;   // data moves between guest and store in pieces of this size, so no request allocates more

    readonly IBlockStore _store;
    readonly IDma _dma;
    readonly byte[] _id = new byte[IdLength];

    /// <param name="offerEventIdx">Offer VIRTIO_F_EVENT_IDX (off: measure what notification suppression saves).</param>
    /// <param name="offerIndirect">Offer VIRTIO_F_INDIRECT_DESC.</param>
    public VirtioBlkDevice(IBlockStore store, IDma dma, string serial = "virtps-blk", bool offerEventIdx = true, bool offerIndirect = true)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(dma);
        _store = store; _dma = dma;
        Encoding.ASCII.GetBytes(serial.AsSpan(0, Math.Min(serial.Length, IdLength)), _id);
        DeviceFeatures = VirtqueueFeatures.Version1 | VirtioBlkFeatures.Flush | VirtioBlkFeatures.SegMax | VirtioBlkFeatures.BlkSize
            | (offerEventIdx ? VirtqueueFeatures.EventIdx : 0) | (offerIndirect ? VirtqueueFeatures.IndirectDesc : 0);
    }

    /// <summary>What the device offers (§2.2 feature bits).</summary>
    public ulong DeviceFeatures { get; }
    /// <summary>What the driver accepted of <see cref="DeviceFeatures"/>.</summary>
    public ulong NegotiatedFeatures { get; private set; }
    public SplitVirtqueue? RequestQueue { get; private set; }
    /// <summary>The device needs a reset (DEVICE_NEEDS_RESET, §2.1.2): its queue is broken.</summary>
    public bool NeedsReset => RequestQueue?.Broken == true;
    /// <summary>Capacity in 512-byte sectors (config <c>capacity</c>).</summary>
    public long Capacity => _store.Sectors;

    public long Requests { get; private set; }
    public long Reads { get; private set; }
    public long Writes { get; private set; }
    public long Flushes { get; private set; }
    public long IoErrors { get; private set; }
    public long Unsupported { get; private set; }
    public long SectorsRead { get; private set; }
    public long SectorsWritten { get; private set; }

    /// <summary>Feature negotiation (§3.1.1): keeps the driver's features the device offered and returns them.</summary>
    public ulong Negotiate(ulong driverFeatures) => NegotiatedFeatures = driverFeatures & DeviceFeatures;

    int IVirtioBackend.DeviceType => DeviceId;
    int IVirtioBackend.QueueCount => 1;
    /// <summary>Largest request queue the device takes.</summary>
    public int MaxQueueSize => 256;
    SplitVirtqueue IVirtioBackend.SetUpQueue(int index, int size, ulong descriptorTable, ulong availRing, ulong usedRing) =>
        SetUpQueue(size, descriptorTable, availRing, usedRing);
    bool IVirtioBackend.Notify(int index) => ProcessQueue();
    SplitVirtqueue? IVirtioBackend.Queue(int index) => index == 0 ? RequestQueue : null;
    /// <summary>Device reset: the queue and the negotiated features are forgotten.</summary>
    public void Reset() { RequestQueue = null; NegotiatedFeatures = 0; }

    /// <summary>Sets up the request queue (queue 0) at the driver's addresses, with the negotiated features.</summary>
    public SplitVirtqueue SetUpQueue(int size, ulong descriptorTable, ulong availRing, ulong usedRing) =>
        RequestQueue = new SplitVirtqueue(_dma, size, descriptorTable, availRing, usedRing, NegotiatedFeatures);

    /// <summary>
    /// Reads the device configuration space, <c>struct virtio_blk_config</c> of §5.2.4 (little-endian): capacity le64 at 0,
    /// size_max le32 at 8, seg_max le32 at 12, geometry at 16, blk_size le32 at 20, topology at 24, writeback at 32,
    /// num_queues le16 at 34. Fields of features not offered read as 0, as do bytes past <see cref="ConfigSize"/>.
    /// </summary>
    public void ReadConfig(int offset, Span<byte> into)
    {
        Span<byte> config = stackalloc byte[ConfigSize];
        BinaryPrimitives.WriteUInt64LittleEndian(config, (ulong)_store.Sectors);
        BinaryPrimitives.WriteUInt32LittleEndian(config[12..], SegMaxValue);
        BinaryPrimitives.WriteUInt32LittleEndian(config[20..], IBlockStore.SectorSize);
        BinaryPrimitives.WriteUInt16LittleEndian(config[34..], 1);
        into.Clear();
        for (int k = 0; k < into.Length; k++)
            if (offset + k >= 0 && offset + k < ConfigSize) into[k] = config[offset + k];
    }

    /// <summary>
    /// Where used buffer notifications go when the device decides one after each completed request (the transport's
    /// <see cref="VirtioPciFunction.SignalUsed"/>), as a device that completes requests one at a time does (QEMU's
    /// virtio-blk notifies per completed request, virtio_blk_req_complete): without EVENT_IDX every request then
    /// interrupts, with EVENT_IDX only the one at used_event. Null: <see cref="ProcessQueue"/> decides once for the batch.
    /// </summary>
    public Action? UsedBufferNotification { get; set; }

    /// <summary>
    /// Handles every available request (several per notification: batching), completes each into the used ring, keeps
    /// going if the driver adds more before notifications are re-enabled, and returns whether to send a used buffer
    /// notification (the queue's EVENT_IDX or NO_INTERRUPT decision for the whole batch). With
    /// <see cref="UsedBufferNotification"/> set, the decision is made after each request and sent there instead.
    /// </summary>
    public bool ProcessQueue()
    {
        var q = RequestQueue;
        if (q == null || q.Broken) return false;
        q.NotificationReceived();
        q.DisableNotifications();
        do
        {
            while (q.TryPop(out var chain))
            {
                if (!Complete(q, chain!)) break;
                if (UsedBufferNotification != null && q.ShouldInterrupt()) UsedBufferNotification();
            }
        }
        while (!q.Broken && q.EnableNotifications());
        return q.ShouldInterrupt();   // with per-request decisions nothing is left undecided: false
    }

    bool Complete(SplitVirtqueue q, VirtqChain chain)
    {
        var request = VirtioBlkRequest.Parse(chain, _dma);
        if (request == null) { q.Fail(VirtqueueError.MalformedRequest); return false; }
        Requests++;
        var status = Execute(request);
        if (status == VirtioBlkStatus.IoErr) IoErrors++;
        else if (status == VirtioBlkStatus.Unsupp) Unsupported++;
        // The status byte is the last writable byte, so the used length covers every writable byte (§2.7.8: len counts from
        // the first device-writable byte). On an IOERR of an IN the data bytes were not all written: like QEMU, the device
        // still reports them, which §5.2.6's legacy note records as historical practice; the driver ignores data on IOERR.
        if (!chain.WriteWritable(_dma, request.StatusOffset, [(byte)status])) { q.Fail(VirtqueueError.DmaRefused); return false; }
        return q.Push(chain.Head, (uint)chain.WritableLength);   // a chain is at most 2^32 bytes (§2.7.5.2, checked by the queue)
    }

    VirtioBlkStatus Execute(VirtioBlkRequest r)
    {
        if (!r.HeaderRead) return VirtioBlkStatus.IoErr;
        try
        {
            switch (r.Type)
            {
                case VirtioBlkRequestType.In:
                    Reads++;
                    return Transfer(r, r.InLength, toGuest: true);
                case VirtioBlkRequestType.Out:
                    Writes++;
                    return Transfer(r, r.OutLength, toGuest: false);
                case VirtioBlkRequestType.Flush:
                    Flushes++;
                    _store.Flush();
                    return VirtioBlkStatus.Ok;
                case VirtioBlkRequestType.GetId:
                    // §5.2.6: "a NUL-padded ASCII string up to 20 bytes long"; §5.2.6.1: the driver gives exactly 20 bytes.
                    if (r.InLength < IdLength) return VirtioBlkStatus.IoErr;
                    return r.Chain.WriteWritable(_dma, 0, _id) ? VirtioBlkStatus.Ok : VirtioBlkStatus.IoErr;
                default:
                    return VirtioBlkStatus.Unsupp;
            }
        }
        catch (Exception e) when (e is IOException or VirtPSException)
        {
            // The host's file failed or refused (a read-only image): the guest sees a failed request, not the host.
            return VirtioBlkStatus.IoErr;
        }
    }

    /// <summary>An IN or OUT of <paramref name="length"/> bytes at the request's sector, moved in chunks.</summary>
    VirtioBlkStatus Transfer(VirtioBlkRequest r, long length, bool toGuest)
    {
        const int S = IBlockStore.SectorSize;
        // §5.2.6.1: data is a multiple of 512 bytes and never reaches past capacity; a device answers otherwise with IOERR.
        if (length < 0 || length % S != 0) return VirtioBlkStatus.IoErr;
        ulong sectors = (ulong)(length / S), capacity = (ulong)_store.Sectors;
        if (r.Sector > capacity || sectors > capacity - r.Sector) return VirtioBlkStatus.IoErr;
        var buffer = new byte[(int)Math.Min(length, Chunk)];
        long lba = (long)r.Sector;
        for (long done = 0; done < length;)
        {
            var piece = buffer.AsSpan(0, (int)Math.Min(Chunk, length - done));
            if (toGuest)
            {
                _store.Read(lba, piece);
                if (!r.Chain.WriteWritable(_dma, done, piece)) return VirtioBlkStatus.IoErr;
                SectorsRead += piece.Length / S;
            }
            else
            {
                if (!r.Chain.ReadReadable(_dma, VirtioBlkRequest.HeaderSize + done, piece)) return VirtioBlkStatus.IoErr;
                _store.Write(lba, piece);
                SectorsWritten += piece.Length / S;
            }
            done += piece.Length; lba += piece.Length / S;
        }
        // §5.2.6.2: with VIRTIO_BLK_F_FLUSH offered but not negotiated (and no CONFIG_WCE), a completed write is stable:
        // "the device MUST ensure that stable writes are committed" before reporting completion. Write-through, then.
        if (!toGuest && length > 0 && (NegotiatedFeatures & VirtioBlkFeatures.Flush) == 0 && (DeviceFeatures & VirtioBlkFeatures.Flush) != 0)
            _store.Flush();
        return VirtioBlkStatus.Ok;
    }
}
