namespace VirtPS.Engine.Io.Virtio;

/// <summary>The status byte a virtio-blk device writes last in a request (virtio 1.2 §5.2.6, VIRTIO_BLK_S_*).</summary>
public enum VirtioBlkStatus : byte
{
    Ok = 0,
    IoErr = 1,
    Unsupp = 2,
}
