using VirtPS.Engine.Network.Frames;
using VirtPS.Engine.Network.Stack;
using VirtPS.Engine.Network.Switching;

namespace VirtPS.Engine.Network;

/// <summary>A guest's virtual NIC: a MAC, an interface of the guest's <see cref="IpStack"/>, and the switch port
/// (an <see cref="INetworkAdapter"/>) of the network it is connected to.</summary>
public sealed class VirtualNic
{
    internal VirtualNic(string guest, IpInterface iface, VirtualNetwork network, SwitchPort port)
    { GuestName = guest; Interface = iface; Network = network; Port = port; }

    public string GuestName { get; }
    /// <summary>When it was connected, among all of this world's adapters and machine NICs (DHCP leases follow that order).</summary>
    public long Sequence { get; internal init; }
    public string Name => Interface.Name;
    public MacAddress MacAddress => Interface.Mac;
    public IpInterface Interface { get; }
    public VirtualNetwork Network { get; internal set; }
    public SwitchPort Port { get; internal set; }
    public Ipv4Address? IPAddress => Interface.Subnet is null ? null : Interface.Address;
    public override string ToString() => $"{GuestName}/{Name} {MacAddress} on {Network.Name} {IPAddress}";
}
