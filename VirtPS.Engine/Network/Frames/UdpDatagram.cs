namespace VirtPS.Engine.Network.Frames;

public sealed record UdpDatagram(ushort SourcePort, ushort DestinationPort, byte[] Data);
