namespace VirtPS.Engine.Io;

/// <summary>What a guest device is for.</summary>
public enum DeviceClass { Block, Network, Input }
