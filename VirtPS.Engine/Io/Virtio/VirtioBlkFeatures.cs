namespace VirtPS.Engine.Io.Virtio;

/// <summary>virtio-blk's device-specific feature bits (virtio 1.2 §5.2.3), as masks.</summary>
public static class VirtioBlkFeatures
{
    /// <summary>VIRTIO_BLK_F_SIZE_MAX (1): config <c>size_max</c> is the largest single segment.</summary>
    public const ulong SizeMax = 1UL << 1;
    /// <summary>VIRTIO_BLK_F_SEG_MAX (2): config <c>seg_max</c> is the most segments in a request.</summary>
    public const ulong SegMax = 1UL << 2;
    /// <summary>VIRTIO_BLK_F_GEOMETRY (4).</summary>
    public const ulong Geometry = 1UL << 4;
    /// <summary>VIRTIO_BLK_F_RO (5): the device is read-only.</summary>
    public const ulong ReadOnly = 1UL << 5;
    /// <summary>VIRTIO_BLK_F_BLK_SIZE (6): config <c>blk_size</c> is the optimal block size.</summary>
    public const ulong BlkSize = 1UL << 6;
    /// <summary>VIRTIO_BLK_F_FLUSH (9): the device handles VIRTIO_BLK_T_FLUSH.</summary>
    public const ulong Flush = 1UL << 9;
}
