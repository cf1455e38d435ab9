using VirtPS.Engine.Network.Frames;

namespace VirtPS.Engine.Network.Stack;

/// <summary>Where a forwarding node (the host) applies policy and NAT, at the points Linux netfilter calls
/// PREROUTING (destination NAT), FORWARD (filter) and POSTROUTING (source NAT).</summary>
public interface IForwardingHook
{
    Ipv4Packet Prerouting(IpInterface inbound, Ipv4Packet packet, out bool translated);
    bool AllowForward(IpInterface inbound, IpInterface outbound, Ipv4Packet packet, bool translated);
    Ipv4Packet Postrouting(IpInterface inbound, IpInterface outbound, Ipv4Packet packet);
}
