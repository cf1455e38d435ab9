namespace VirtPS.Engine.Network.Frames;

public sealed record TcpSegment(ushort SourcePort, ushort DestinationPort, uint Sequence, uint Acknowledgment, TcpFlags Flags, ushort Window, byte[] Data);
