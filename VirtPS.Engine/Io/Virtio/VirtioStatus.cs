namespace VirtPS.Engine.Io.Virtio;

/// <summary>Device status bits (virtio 1.2, §2.1).</summary>
public static class VirtioStatus
{
    public const byte Acknowledge = 1, Driver = 2, DriverOk = 4, FeaturesOk = 8, DeviceNeedsReset = 0x40, Failed = 0x80;
}
