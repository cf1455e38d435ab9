namespace VirtPS.Engine.Io;

/// <summary>
/// A block device's backing store in 512-byte sectors, as a device backend sees it (a raw image file on the host, or
/// memory in tests). Member names match <c>DiskImage</c> so a raw image can back a virtio-blk or an emulated disk.
/// A host-side failure is reported as an <see cref="IOException"/>; the device turns it into its own error status.
/// </summary>
public interface IBlockStore
{
    /// <summary>Bytes in a sector (the unit of <c>lba</c> and of virtio-blk's <c>sector</c> field, virtio 1.2 §5.2.6).</summary>
    public const int SectorSize = 512;

    /// <summary>Capacity in 512-byte sectors.</summary>
    long Sectors { get; }

    /// <summary>Reads <paramref name="into"/>.Length bytes (a multiple of 512) starting at sector <paramref name="lba"/>.</summary>
    void Read(long lba, Span<byte> into);

    /// <summary>Writes <paramref name="data"/> (a multiple of 512 bytes) starting at sector <paramref name="lba"/>.</summary>
    void Write(long lba, ReadOnlySpan<byte> data);

    /// <summary>Makes every completed write durable (what a virtio-blk FLUSH or an ATA FLUSH CACHE asks for).</summary>
    void Flush();
}
