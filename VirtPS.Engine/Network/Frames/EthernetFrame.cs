namespace VirtPS.Engine.Network.Frames;

/// <summary>An Ethernet II frame: header plus an ARP message, an IPv4 packet, or raw bytes.</summary>
public sealed record EthernetFrame(MacAddress Destination, MacAddress Source, ushort EtherType, object Body)
{
    public ArpMessage? Arp => Body as ArpMessage;
    public Ipv4Packet? Ip => Body as Ipv4Packet;
}
