namespace VirtPS.Engine.Network.Frames;

/// <summary>ICMP types of RFC 792.</summary>
public enum IcmpType : byte { EchoReply = 0, DestinationUnreachable = 3, EchoRequest = 8, TimeExceeded = 11 }
