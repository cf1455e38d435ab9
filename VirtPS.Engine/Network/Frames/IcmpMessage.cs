namespace VirtPS.Engine.Network.Frames;

/// <summary>An ICMP message. For echo, Identifier and Sequence are the RFC 792 fields; for errors they are the
/// unused word, and Data carries the offending IP header plus its first 8 payload bytes.</summary>
public sealed record IcmpMessage(byte Type, byte Code, ushort Identifier, ushort Sequence, byte[] Data);
