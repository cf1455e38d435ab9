using VirtPS.Engine.Network.Frames;

namespace VirtPS.Engine.Network;

/// <summary>A lease: what a DHCP ACK (RFC 2131) would carry.</summary>
public sealed record DhcpLease(MacAddress Client, Ipv4Address Address, Ipv4Subnet Subnet, Ipv4Address? Router);
