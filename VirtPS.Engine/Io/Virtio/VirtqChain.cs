using VirtPS.Engine.Memory;

namespace VirtPS.Engine.Io.Virtio;

/// <summary>
/// A descriptor chain popped from the available ring (virtio 1.2 §2.7.4, message framing): its head index (what goes back
/// in the used element's <c>id</c>), its device-readable buffers, then its device-writable buffers, in chain order,
/// direct or from an indirect table. The device reads and writes them through <see cref="IDma"/> as one byte stream
/// each, whatever the framing (§2.7.4: "the device MUST NOT make assumptions about the particular arrangement").
/// </summary>
public sealed class VirtqChain
{
    internal VirtqChain(ushort head, List<VirtqBuffer> readable, List<VirtqBuffer> writable, int descriptors)
    {
        Head = head; Readable = readable; Writable = writable; DescriptorCount = descriptors;
        foreach (var b in readable) ReadableLength += b.Length;
        foreach (var b in writable) WritableLength += b.Length;
    }

    /// <summary>Index of the chain's first descriptor in the queue's descriptor table.</summary>
    public ushort Head { get; }
    public IReadOnlyList<VirtqBuffer> Readable { get; }
    public IReadOnlyList<VirtqBuffer> Writable { get; }
    /// <summary>Descriptors read to walk the chain (the indirect descriptor and its table's entries both count).</summary>
    public int DescriptorCount { get; }
    public long ReadableLength { get; }
    public long WritableLength { get; }

    /// <summary>Reads the device-readable bytes [offset, offset + into.Length) through <paramref name="dma"/>;
    /// false if they run past the readable buffers or a DMA is refused.</summary>
    public bool ReadReadable(IDma dma, long offset, Span<byte> into)
    {
        if (!Pieces(Readable, offset, into.Length, out var pieces)) return false;
        foreach (var (address, start, n) in pieces)
            if (!dma.Read(address, into.Slice(start, n))) return false;
        return true;
    }

    /// <summary>Writes <paramref name="data"/> at device-writable byte <paramref name="offset"/> through <paramref name="dma"/>;
    /// false if it runs past the writable buffers or a DMA is refused (earlier pieces may have been written).</summary>
    public bool WriteWritable(IDma dma, long offset, ReadOnlySpan<byte> data)
    {
        if (!Pieces(Writable, offset, data.Length, out var pieces)) return false;
        foreach (var (address, start, n) in pieces)
            if (!dma.Write(address, data.Slice(start, n))) return false;
        return true;
    }

    /// <summary>Splits the byte range [offset, offset + length) of a buffer list into (address, start, count) pieces.</summary>
    static bool Pieces(IReadOnlyList<VirtqBuffer> buffers, long offset, int length, out List<(ulong Address, int Start, int Count)> pieces)
    {
        pieces = [];
        if (offset < 0) return false;
        int done = 0;
        foreach (var b in buffers)
        {
            if (done == length) break;
            if (offset >= b.Length) { offset -= b.Length; continue; }
            int n = (int)Math.Min(b.Length - offset, length - done);
            if (b.Address > ulong.MaxValue - b.Length) return false;   // a buffer wrapping past 2^64 is refused, never aliased to low memory
            pieces.Add((b.Address + (ulong)offset, done, n));
            done += n; offset = 0;
        }
        return done == length;
    }
}
