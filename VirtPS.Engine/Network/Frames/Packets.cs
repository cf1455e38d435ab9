namespace VirtPS.Engine.Network.Frames;

/// <summary>EtherType values (IEEE 802 numbers) this engine speaks.</summary>
public enum EtherType : ushort { IPv4 = 0x0800, Arp = 0x0806 }

/// <summary>IP protocol numbers (IANA).</summary>
public enum IpProtocol : byte { Icmp = 1, Tcp = 6, Udp = 17 }

/// <summary>ARP operations of RFC 826.</summary>
public enum ArpOperation : ushort { Request = 1, Reply = 2 }

/// <summary>ICMP types of RFC 792.</summary>
public enum IcmpType : byte { EchoReply = 0, DestinationUnreachable = 3, EchoRequest = 8, TimeExceeded = 11 }

/// <summary>TCP control bits (RFC 793 section 3.1).</summary>
[Flags]
public enum TcpFlags : byte { None = 0, Fin = 1, Syn = 2, Rst = 4, Psh = 8, Ack = 16 }

/// <summary>An Ethernet II frame: header plus an ARP message, an IPv4 packet, or raw bytes.</summary>
public sealed record EthernetFrame(MacAddress Destination, MacAddress Source, ushort EtherType, object Body)
{
    public ArpMessage? Arp => Body as ArpMessage;
    public Ipv4Packet? Ip => Body as Ipv4Packet;
}

/// <summary>An ARP message for IPv4 over Ethernet (RFC 826: htype 1, ptype 0x0800, hlen 6, plen 4).</summary>
public sealed record ArpMessage(ArpOperation Operation, MacAddress SenderMac, Ipv4Address SenderIp, MacAddress TargetMac, Ipv4Address TargetIp);

/// <summary>An IPv4 packet (RFC 791) without options. Payload is an <see cref="IcmpMessage"/>, <see cref="UdpDatagram"/>,
/// <see cref="TcpSegment"/> or raw bytes for other protocols.</summary>
public sealed record Ipv4Packet(Ipv4Address Source, Ipv4Address Destination, byte Protocol, byte Ttl, ushort Identification, object Payload)
{
    public const byte DefaultTtl = 64;
    public IcmpMessage? Icmp => Payload as IcmpMessage;
    public UdpDatagram? Udp => Payload as UdpDatagram;
    public TcpSegment? Tcp => Payload as TcpSegment;
}

/// <summary>An ICMP message. For echo, Identifier and Sequence are the RFC 792 fields; for errors they are the
/// unused word, and Data carries the offending IP header plus its first 8 payload bytes.</summary>
public sealed record IcmpMessage(byte Type, byte Code, ushort Identifier, ushort Sequence, byte[] Data);

public sealed record UdpDatagram(ushort SourcePort, ushort DestinationPort, byte[] Data);

public sealed record TcpSegment(ushort SourcePort, ushort DestinationPort, uint Sequence, uint Acknowledgment, TcpFlags Flags, ushort Window, byte[] Data);

/// <summary>The result of parsing bytes: a frame, or the reason the bytes were rejected.</summary>
public readonly record struct ParseResult(EthernetFrame? Frame, string? Error)
{
    public bool Success => Frame is not null;
}
