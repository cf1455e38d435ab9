using VirtPS.Engine.Network.Frames;
using VirtPS.Engine.Network.Stack;

namespace VirtPS.Engine.Network;

/// <summary>An inbound rule: traffic to pnet0:HostPort goes to the guest's GuestPort (VirtualBox's port forwarding).</summary>
public sealed record PortForward(string Network, IpProtocol Protocol, ushort HostPort, string Guest, ushort GuestPort);
