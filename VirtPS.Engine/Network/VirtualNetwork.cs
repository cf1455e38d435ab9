using VirtPS.Engine.Network.Capture;
using VirtPS.Engine.Network.Frames;
using VirtPS.Engine.Network.Stack;
using VirtPS.Engine.Network.Switching;

namespace VirtPS.Engine.Network;

/// <summary>A virtual network: its own learning switch, a mode, a subnet, and (per mode) a host interface
/// <c>vnetN</c>, a bridge uplink to the LAN, an address allocator.</summary>
public sealed class VirtualNetwork
{
    internal VirtualNetwork(string name, NetworkMode mode, Ipv4Subnet subnet, int index, Simulator sim)
    {
        Name = name; Mode = mode; Subnet = subnet; Index = index;
        Switch = new LearningSwitch(name, sim);
    }

    public string Name { get; }
    public NetworkMode Mode { get; internal set; }
    /// <summary>The guests' subnet in every mode but Bridge (which puts guests on the LAN's subnet).</summary>
    public Ipv4Subnet Subnet { get; }
    internal int Index { get; }
    public LearningSwitch Switch { get; }
    public PacketCapture Capture => Switch.Capture;
    /// <summary>The host's interface on this network (<c>vnetN</c>), when the mode has one.</summary>
    public IpInterface? HostInterface { get; internal set; }
    public string HostInterfaceName => $"vnet{Index}";
    internal SwitchPort? HostPort, Uplink, LanSide;
    internal DhcpServer? Dhcp;
    internal readonly List<VirtualNic> NicList = new();
    public IReadOnlyList<VirtualNic> Adapters => NicList;

    /// <summary>The host's address on the guests' subnet: .2 under NAT (VirtualBox's gateway), .1 otherwise.</summary>
    public Ipv4Address HostAddress => Subnet.Host(Mode == NetworkMode.Nat ? 2 : 1);

    public override string ToString() => $"{Name} ({Mode}, {(Mode == NetworkMode.Bridge ? "LAN" : Subnet.ToString())})";
}
