namespace VirtPS.Engine.Network.Frames;

/// <summary>An IPv4 packet (RFC 791) without options. Payload is an <see cref="IcmpMessage"/>, <see cref="UdpDatagram"/>,
/// <see cref="TcpSegment"/> or raw bytes for other protocols.</summary>
public sealed record Ipv4Packet(Ipv4Address Source, Ipv4Address Destination, byte Protocol, byte Ttl, ushort Identification, object Payload)
{
    public const byte DefaultTtl = 64;
    public IcmpMessage? Icmp => Payload as IcmpMessage;
    public UdpDatagram? Udp => Payload as UdpDatagram;
    public TcpSegment? Tcp => Payload as TcpSegment;
}
