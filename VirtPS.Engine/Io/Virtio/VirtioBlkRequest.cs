using System.Buffers.Binary;
using VirtPS.Engine.Memory;

namespace VirtPS.Engine.Io.Virtio;

/// <summary>
/// A virtio-blk request as laid out in a descriptor chain (virtio 1.2 §5.2.6, <c>struct virtio_blk_req</c>): the
/// device-readable part begins with the 16-byte header {type le32, reserved le32, sector le64}, followed by the data of
/// an OUT; the device-writable part holds the data of an IN or GET_ID and ends with the one status byte. The device
/// finds these by byte offset, never by descriptor boundaries (§2.7.4: no assumption about framing).
/// </summary>
public sealed class VirtioBlkRequest
{
    /// <summary>Bytes of the request header.</summary>
    public const int HeaderSize = 16;

    VirtioBlkRequest(VirtqChain chain, uint type, ulong sector, bool headerRead)
    {
        Chain = chain; RawType = type; Sector = sector; HeaderRead = headerRead;
    }

    public VirtqChain Chain { get; }
    /// <summary>The header's <c>type</c> as written (it may name a type this device does not know).</summary>
    public uint RawType { get; }
    public VirtioBlkRequestType Type => (VirtioBlkRequestType)RawType;
    /// <summary>The first 512-byte sector of an IN or OUT.</summary>
    public ulong Sector { get; }
    /// <summary>False if the DMA reading the header was refused (the request then fails with IOERR).</summary>
    public bool HeaderRead { get; }
    /// <summary>Bytes of data to write (OUT): the readable bytes after the header.</summary>
    public long OutLength => Chain.ReadableLength - HeaderSize;
    /// <summary>Bytes of room for data (IN, GET_ID): the writable bytes before the status byte.</summary>
    public long InLength => Chain.WritableLength - 1;
    /// <summary>Offset of the status byte in the writable bytes: the last one.</summary>
    public long StatusOffset => Chain.WritableLength - 1;

    /// <summary>
    /// Reads the header of <paramref name="chain"/>; null if the chain cannot be a request at all (fewer than 16 readable
    /// bytes or no writable byte for the status: §5.2.6.1's framing broken, a device error).
    /// </summary>
    public static VirtioBlkRequest? Parse(VirtqChain chain, IDma dma)
    {
        if (chain.ReadableLength < HeaderSize || chain.WritableLength < 1) return null;
        Span<byte> h = stackalloc byte[HeaderSize];
        if (!chain.ReadReadable(dma, 0, h)) return new VirtioBlkRequest(chain, uint.MaxValue, 0, false);
        return new VirtioBlkRequest(chain,
            BinaryPrimitives.ReadUInt32LittleEndian(h),
            BinaryPrimitives.ReadUInt64LittleEndian(h[8..]), true);
    }
}
