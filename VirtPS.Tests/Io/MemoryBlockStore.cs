using VirtPS.Engine.Io;

namespace VirtPS.Tests.Io;

/// <summary>A test block store over a byte array; tests read <see cref="Data"/> directly to check what the device did.</summary>
sealed class MemoryBlockStore(long sectors) : IBlockStore
{
    public byte[] Data { get; } = new byte[sectors * IBlockStore.SectorSize];
    public long Sectors => sectors;
    public int Flushes { get; private set; }
    /// <summary>When set, the next Read or Write throws an IOException, as a failing host file would.</summary>
    public bool FailNext { get; set; }

    public void Read(long lba, Span<byte> into)
    {
        Check();
        Data.AsSpan((int)(lba * IBlockStore.SectorSize), into.Length).CopyTo(into);
    }

    public void Write(long lba, ReadOnlySpan<byte> data)
    {
        Check();
        data.CopyTo(Data.AsSpan((int)(lba * IBlockStore.SectorSize)));
    }

    public void Flush() => Flushes++;

    void Check()
    {
        if (FailNext) { FailNext = false; throw new IOException("simulated host IO error"); }
    }
}
