namespace VirtPS.Engine.Network.Frames;

/// <summary>ARP operations of RFC 826.</summary>
public enum ArpOperation : ushort { Request = 1, Reply = 2 }
