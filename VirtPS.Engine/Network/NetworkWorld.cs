using VirtPS.Engine.Network.Frames;
using VirtPS.Engine.Network.Stack;
using VirtPS.Engine.Network.Switching;

namespace VirtPS.Engine.Network;

/// <summary>
/// The simulated world around one host: the physical LAN 192.168.1.0/24 (gateway router .1 with the LAN's DHCP
/// server, LAN machines .20 and .21, the host's pnet0 at .10), the internet behind the gateway (203.0.113.0/24,
/// host 203.0.113.10 with ping, UDP echo 7 and TCP 80), the host's virtual networks, and the guests' NICs.
/// </summary>
public sealed partial class NetworkWorld
{
    public static readonly Ipv4Subnet LanSubnet = Ipv4Subnet.Parse("192.168.1.0/24");
    public static readonly Ipv4Subnet InternetSubnet = Ipv4Subnet.Parse("203.0.113.0/24");   // RFC 5737 TEST-NET-3
    public static readonly Ipv4Address GatewayAddress = Ipv4Address.Parse("192.168.1.1");
    public static readonly Ipv4Address HostAddress = Ipv4Address.Parse("192.168.1.10");
    public static readonly Ipv4Address InternetHostAddress = Ipv4Address.Parse("203.0.113.10");
    public static readonly Ipv4Address[] LanHostAddresses = { Ipv4Address.Parse("192.168.1.20"), Ipv4Address.Parse("192.168.1.21") };

    readonly Dictionary<string, VirtualNetwork> _networks = new(StringComparer.OrdinalIgnoreCase);
    readonly Dictionary<string, IpStack> _guests = new(StringComparer.OrdinalIgnoreCase);
    readonly List<VirtualNic> _nics = new();
    readonly List<IpStack> _machines = new();
    int _nextMac, _nextPhysicalMac, _nextIndex;

    public NetworkWorld()
    {
        Lan = new LearningSwitch("lan", Sim, linkDelayMicroseconds: 50);
        Internet = new LearningSwitch("internet", Sim, linkDelayMicroseconds: 10_000);
        Host = Machine("host");
        Pnet0 = Plug(Host, "pnet0", Lan, HostAddress, LanSubnet);
        Host.SetDefaultGateway(GatewayAddress);
        Host.IpForwarding = true;
        Host.Hook = Forwarding = new HostForwarding(this);
        Gateway = Machine("gateway");
        var lan0 = Plug(Gateway, "lan0", Lan, GatewayAddress, LanSubnet);
        Plug(Gateway, "wan0", Internet, InternetSubnet.Host(1), InternetSubnet);
        Gateway.IpForwarding = true;
        LanDhcp = new DhcpServer("gateway-dhcp", LanSubnet, 100, GatewayAddress, Sim);
        Gateway.ServeDhcp(lan0, LanDhcp);
        LanHosts = LanHostAddresses.Select((a, n) =>
        {
            var m = Machine($"lanhost{n + 1}");
            Plug(m, "eth0", Lan, a, LanSubnet);
            m.SetDefaultGateway(GatewayAddress);
            return m;
        }).ToList();
        InternetHost = Machine("internet");
        Plug(InternetHost, "eth0", Internet, InternetHostAddress, InternetSubnet);
        InternetHost.SetDefaultGateway(InternetSubnet.Host(1));
    }

    public Simulator Sim { get; } = new();
    public LearningSwitch Lan { get; }
    public LearningSwitch Internet { get; }
    public IpStack Host { get; }
    public IpInterface Pnet0 { get; }
    public HostForwarding Forwarding { get; }
    public IpStack Gateway { get; }
    public DhcpServer LanDhcp { get; }
    public IReadOnlyList<IpStack> LanHosts { get; }
    public IpStack InternetHost { get; }
    /// <summary>Every non-guest node: host, gateway, LAN machines, internet host.</summary>
    public IReadOnlyList<IpStack> Machines => _machines;

    IpStack Machine(string name) { var s = new IpStack(name, Sim); _machines.Add(s); return s; }

    IpInterface Plug(IpStack s, string ifName, LearningSwitch sw, Ipv4Address a, Ipv4Subnet net)
    {
        // RFC 7042's documentation range 00-00-5E-00-53-xx for the "physical" machines.
        var i = s.AddInterface(ifName, new MacAddress(0x00005E005300UL + (ulong)++_nextPhysicalMac));
        i.Configure(a, net);
        i.Attach(sw.AddPort($"{s.Name}.{ifName}"));
        return i;
    }

    /// <summary>Next guest MAC: 02:56:50:xx:xx:xx, locally administered (the 0x02 bit), "VP" for VirtPS.</summary>
    MacAddress NextGuestMac()
    {
        MacAddress m;
        do m = new MacAddress(0x0256_5000_0000UL + (ulong)++_nextMac); while (MacInUse(m));
        return m;
    }

    bool MacInUse(MacAddress m) => _nics.Any(n => n.MacAddress == m) || _machines.Any(s => s.Interfaces.Any(i => i.Mac == m))
        || _machinePorts.Any(p => p.Mac == m);

    public IReadOnlyList<VirtualNetwork> Networks => _networks.Values.OrderBy(n => n.Index).ToList();

    public VirtualNetwork GetNetwork(string name) => _networks.TryGetValue(name, out var n) ? n
        : throw new VirtPSException(ErrorIds.NetworkNotFound, ErrorKind.ObjectNotFound, $"No network named '{name}' exists.", name);

    public bool TryGetNetwork(string name, out VirtualNetwork network) => _networks.TryGetValue(name, out network!);

    /// <summary>The guest's IP stack (one per guest, shared by its NICs); throws GuestNotFound if the guest has no NIC.</summary>
    public IpStack GetGuestStack(string guest) => _guests.TryGetValue(guest, out var s) ? s
        : throw new VirtPSException(ErrorIds.GuestNotFound, ErrorKind.ObjectNotFound, $"No guest named '{guest}' has a network adapter.", guest);

    public IReadOnlyList<VirtualNic> Adapters => _nics.ToList();
    public IReadOnlyList<VirtualNic> GetAdapters(string guest) => _nics.Where(n => string.Equals(n.GuestName, guest, StringComparison.OrdinalIgnoreCase)).ToList();

    internal VirtualNic? FindNic(string guest, string network)
        => _nics.FirstOrDefault(n => string.Equals(n.GuestName, guest, StringComparison.OrdinalIgnoreCase) && string.Equals(n.Network.Name, network, StringComparison.OrdinalIgnoreCase));

    /// <summary>A non-guest node by name ("host", "gateway", "lanhost1", "internet") or by one of its addresses.</summary>
    public IpStack? FindMachine(string nameOrAddress)
    {
        var byName = _machines.FirstOrDefault(m => string.Equals(m.Name, nameOrAddress, StringComparison.OrdinalIgnoreCase));
        if (byName is not null) return byName;
        return Ipv4Address.TryParse(nameOrAddress, out var a) ? _machines.FirstOrDefault(m => m.IsLocal(a)) : null;
    }
}
