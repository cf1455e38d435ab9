using VirtPS.Engine.Network.Frames;
using VirtPS.Engine.Network.Stack;

namespace VirtPS.Engine.Network;

/// <summary>One translation: inside address/port (or ICMP id) to the host's pnet0 address/port, as conntrack keeps it.</summary>
public sealed record NatSession(string Network, IpProtocol Protocol, Ipv4Address InsideAddress, ushort InsidePort,
    Ipv4Address OutsideAddress, ushort OutsidePort, Ipv4Address RemoteAddress, ushort RemotePort, long LastUsedMicroseconds, long ExpiresMicroseconds);
