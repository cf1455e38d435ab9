namespace VirtPS.Engine.Io.Virtio;

/// <summary>One buffer of a descriptor chain: a guest (device) address range, readable or writable by the device.</summary>
public readonly record struct VirtqBuffer(ulong Address, uint Length, bool DeviceWritable);
