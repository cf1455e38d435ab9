namespace VirtPS.Engine.Network.Frames;

/// <summary>An ARP message for IPv4 over Ethernet (RFC 826: htype 1, ptype 0x0800, hlen 6, plen 4).</summary>
public sealed record ArpMessage(ArpOperation Operation, MacAddress SenderMac, Ipv4Address SenderIp, MacAddress TargetMac, Ipv4Address TargetIp);
