namespace VirtPS.Engine.Memory;

/// <summary>
/// Guest-physical memory as sparse 4 KiB frames: a frame is allocated the first time it is touched,
/// so a 4 GiB guest costs only the pages it uses. Frames sit in a two-level table (2 MiB chunks of
/// 512 frames) so the table itself stays small for large, mostly empty guests.
/// </summary>
public sealed class PhysicalMemory
{
    public const int PageShift = 12;
    public const int PageSize = 1 << PageShift;
    const int ChunkShift = 9;                 // 512 frames = 2 MiB per chunk
    const int ChunkFrames = 1 << ChunkShift;

    readonly byte[]?[]?[] _chunks;
    long _framesAllocated;

    public PhysicalMemory(ulong size)
    {
        if (size == 0 || (size & (PageSize - 1)) != 0)
            throw new ArgumentOutOfRangeException(nameof(size), "Memory size must be a positive multiple of 4 KiB.");
        Size = size;
        ulong frames = size >> PageShift;
        _chunks = new byte[]?[(frames + ChunkFrames - 1) >> ChunkShift][];
    }

    /// <summary>Bytes of guest-physical address space.</summary>
    public ulong Size { get; }
    /// <summary>Bytes actually backed by host memory (frames touched so far).</summary>
    public long ResidentBytes => Interlocked.Read(ref _framesAllocated) * PageSize;

    public bool Contains(ulong address, ulong length = 1) => address < Size && length <= Size - address;

    /// <summary>The host frame behind guest frame <paramref name="pfn"/>, allocated on first touch.</summary>
    public byte[] Frame(ulong pfn)
    {
        if (pfn >= Size >> PageShift) throw new ArgumentOutOfRangeException(nameof(pfn));
        ref var chunk = ref _chunks[pfn >> ChunkShift];
        chunk ??= new byte[ChunkFrames][];
        ref var frame = ref chunk[pfn & (ChunkFrames - 1)];
        if (frame == null) { frame = new byte[PageSize]; _framesAllocated++; }
        return frame;
    }

    /// <summary>True if guest frame <paramref name="pfn"/> has been touched.</summary>
    public bool IsResident(ulong pfn) =>
        pfn < Size >> PageShift && _chunks[pfn >> ChunkShift]?[pfn & (ChunkFrames - 1)] != null;

    public void Write(ulong address, ReadOnlySpan<byte> data)
    {
        CheckRange(address, (ulong)data.Length);
        while (!data.IsEmpty)
        {
            int off = (int)(address & (PageSize - 1));
            int n = Math.Min(PageSize - off, data.Length);
            data[..n].CopyTo(Frame(address >> PageShift).AsSpan(off, n));
            data = data[n..]; address += (ulong)n;
        }
    }

    /// <summary>Reads guest-physical bytes; untouched frames read as zeros without being allocated.</summary>
    public void Read(ulong address, Span<byte> into)
    {
        CheckRange(address, (ulong)into.Length);
        while (!into.IsEmpty)
        {
            int off = (int)(address & (PageSize - 1));
            int n = Math.Min(PageSize - off, into.Length);
            ulong pfn = address >> PageShift;
            if (IsResident(pfn)) Frame(pfn).AsSpan(off, n).CopyTo(into);
            else into[..n].Clear();
            into = into[n..]; address += (ulong)n;
        }
    }

    public byte[] Read(ulong address, int length)
    {
        var b = new byte[length];
        Read(address, b);
        return b;
    }

    void CheckRange(ulong address, ulong length)
    {
        if (!Contains(address, length))
            throw new ArgumentOutOfRangeException(nameof(address), $"0x{address:X}+{length} is outside guest memory (0x{Size:X} bytes).");
    }
}
