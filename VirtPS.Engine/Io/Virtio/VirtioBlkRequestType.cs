namespace VirtPS.Engine.Io.Virtio;

/// <summary>The <c>type</c> field of a virtio-blk request header (virtio 1.2 §5.2.6, VIRTIO_BLK_T_*).</summary>
public enum VirtioBlkRequestType : uint
{
    /// <summary>VIRTIO_BLK_T_IN: read sectors into the device-writable data buffers.</summary>
    In = 0,
    /// <summary>VIRTIO_BLK_T_OUT: write the device-readable data buffers to sectors.</summary>
    Out = 1,
    /// <summary>VIRTIO_BLK_T_FLUSH: make completed writes durable (VIRTIO_BLK_F_FLUSH).</summary>
    Flush = 4,
    /// <summary>VIRTIO_BLK_T_GET_ID: the device ID string, 20 bytes, NUL-padded.</summary>
    GetId = 8,
}
