using VirtPS.Engine.Network.Frames;
using VirtPS.Engine.Network.Stack;
using VirtPS.Engine.Network.Switching;

namespace VirtPS.Engine.Network;

/// <summary>Creating, re-moding and removing networks; connecting guests; port forwards.</summary>
public sealed partial class NetworkWorld
{
    /// <summary>Creates a network. Errors: NetworkExists, InvalidCidr, SubnetOverlap. Nothing is created on error.</summary>
    public VirtualNetwork NewNetwork(string name, NetworkMode mode, string? subnet = null)
    {
        if (string.IsNullOrWhiteSpace(name))
            throw new VirtPSException(ErrorIds.InvalidNetworkName, ErrorKind.InvalidArgument, "A network needs a name.", name);
        if (_networks.ContainsKey(name))
            throw new VirtPSException(ErrorIds.NetworkExists, ErrorKind.ResourceExists, $"A network named '{name}' already exists.", name);
        Ipv4Subnet s;
        if (subnet is null) s = DefaultSubnet(mode);
        else
        {
            s = Ipv4Subnet.Parse(subnet);
            if (s.PrefixLength > 29)
                throw new VirtPSException(ErrorIds.InvalidCidr, ErrorKind.InvalidArgument, $"'{subnet}' is too small for a network (at most /29).", subnet);
            var clash = Taken().FirstOrDefault(t => t.Subnet.Overlaps(s));
            if (clash.Owner is not null)
                throw new VirtPSException(ErrorIds.SubnetOverlap, ErrorKind.InvalidArgument, $"{s} overlaps {clash.Subnet} of {clash.Owner} on this host.", subnet);
        }
        var n = new VirtualNetwork(name, mode, s, _nextIndex++, Sim);
        _networks.Add(name, n);
        Apply(n);
        return n;
    }

    IEnumerable<(Ipv4Subnet Subnet, string Owner)> Taken()
        => _networks.Values.Select(n => (n.Subnet, $"network '{n.Name}'")).Append((LanSubnet, "the LAN")).Append((InternetSubnet, "the internet"));

    /// <summary>VirtualBox's defaults: 10.0.2.0/24 for NAT, 192.168.56.0/24 for host-only; the next free one after those.</summary>
    Ipv4Subnet DefaultSubnet(NetworkMode mode)
    {
        for (int k = 0; k < 200; k++)
        {
            var s = mode == NetworkMode.Nat ? Ipv4Subnet.Parse($"10.0.{2 + k}.0/24") : Ipv4Subnet.Parse($"192.168.{56 + k}.0/24");
            if (!Taken().Any(t => t.Subnet.Overlaps(s))) return s;
        }
        throw new VirtPSException(ErrorIds.AddressPoolExhausted, ErrorKind.LimitsExceeded, "No free default subnet is left.");
    }

    /// <summary>Changes a network's mode live: its guests keep their NICs and are re-addressed as the new mode needs.</summary>
    public void SetMode(string network, NetworkMode mode)
    {
        var n = GetNetwork(network);
        if (n.Mode == mode) return;
        TearDown(n);
        n.Mode = mode;
        Apply(n);
        Sim.Log(n.Name, $"mode is now {mode}");
    }

    public void RemoveNetwork(string network)
    {
        var n = GetNetwork(network);
        foreach (var nic in n.NicList.ToList()) DisconnectAdapter(nic);
        TearDown(n);
        Forwarding.Forwards.RemoveAll(f => f.Network == n.Name);
        _networks.Remove(n.Name);
    }

    void TearDown(VirtualNetwork n)
    {
        if (n.HostInterface is { } hi) { Host.RemoveInterface(hi); n.Switch.RemovePort(n.HostPort!); n.HostInterface = null; n.HostPort = null; }
        if (n.Uplink is not null) { SwitchLink.Disconnect(n.Uplink, n.LanSide!); n.Switch.RemovePort(n.Uplink); Lan.RemovePort(n.LanSide!); n.Uplink = n.LanSide = null; }
        Forwarding.RemoveNetwork(n.Name);
        n.Dhcp = null;
    }

    void Apply(VirtualNetwork n)
    {
        switch (n.Mode)
        {
            case NetworkMode.Bridge:
                // pnet0 acts as a switch: the network's switch gets an uplink cable into the LAN.
                n.Uplink = n.Switch.AddPort("uplink");
                n.LanSide = Lan.AddPort($"bridge.{n.Name}");
                SwitchLink.Connect(n.Uplink, n.LanSide);
                break;
            case NetworkMode.HostOnly or NetworkMode.Routed or NetworkMode.Nat:
                var hi = Host.AddInterface(n.HostInterfaceName, NextGuestMac());
                hi.Tag = n;
                hi.Configure(n.HostAddress, n.Subnet);
                n.HostPort = n.Switch.AddPort($"host.{n.HostInterfaceName}");
                hi.Attach(n.HostPort);
                n.HostInterface = hi;
                break;
        }
        n.Dhcp = n.Mode switch
        {
            NetworkMode.Bridge => null,
            NetworkMode.Nat => new DhcpServer($"{n.Name}-dhcp", n.Subnet, 15, n.HostAddress, Sim),        // VirtualBox: 10.0.2.15 onward
            NetworkMode.Routed => new DhcpServer($"{n.Name}-dhcp", n.Subnet, 101, n.HostAddress, Sim),
            _ => new DhcpServer($"{n.Name}-dhcp", n.Subnet, 101, null, Sim),                            // no router: nowhere to go
        };
        if (n.HostInterface is not null) Host.ServeDhcp(n.HostInterface, n.Dhcp);     // VirtualBox's NAT engine / host-only DHCP server
        foreach (var nic in n.NicList) Address(nic);
        foreach (var m in _machines) m.FlushArp();
        foreach (var g in _guests.Values) g.FlushArp();
        n.Switch.FlushMacTable();
        Lan.FlushMacTable();
    }

    /// <summary>Addresses a NIC as its network's mode says: by DHCP on the wire (the LAN's server when bridged, the
    /// host's on vnetN), or, on an Isolated network where no server exists, straight from the network's allocator.</summary>
    void Address(VirtualNic nic)
    {
        var n = nic.Network;
        var stack = nic.Interface.Stack;
        if (n.Mode == NetworkMode.Isolated)
        {
            var lease = n.Dhcp!.Lease(nic.MacAddress);
            nic.Interface.Configure(lease.Address, lease.Subnet);
            stack.RemoveRoute(new Ipv4Subnet(Ipv4Address.Any, 0));
            return;
        }
        stack.RemoveRoute(new Ipv4Subnet(Ipv4Address.Any, 0));
        stack.RequestAddress(nic.Interface);
    }

    /// <summary>Connects a new NIC of <paramref name="guest"/> to <paramref name="network"/> and addresses it.
    /// Errors: NetworkNotFound, InvalidMacAddress, DuplicateMacAddress.</summary>
    long _connections;

    public VirtualNic ConnectAdapter(string guest, string network, string? macAddress = null)
    {
        if (string.IsNullOrWhiteSpace(guest))
            throw new VirtPSException(ErrorIds.GuestNotFound, ErrorKind.ObjectNotFound, "A guest name is required.", guest);
        var n = GetNetwork(network);
        MacAddress mac;
        if (macAddress is null) mac = NextGuestMac();
        else
        {
            mac = MacAddress.Parse(macAddress);
            if (mac.IsGroup || mac.Value == 0)
                throw new VirtPSException(ErrorIds.InvalidMacAddress, ErrorKind.InvalidArgument, $"{mac} is a group or zero address; a NIC needs a unicast MAC.", macAddress);
            if (MacInUse(mac))
                throw new VirtPSException(ErrorIds.DuplicateMacAddress, ErrorKind.ResourceExists, $"MAC address {mac} is already in use.", macAddress);
        }
        if (!_guests.TryGetValue(guest, out var stack)) _guests[guest] = stack = new IpStack(guest, Sim);
        var iface = stack.AddInterface($"eth{stack.Interfaces.Count}", mac);
        var port = n.Switch.AddPort($"{guest}.{iface.Name}");
        iface.Attach(port);
        var nic = new VirtualNic(guest, iface, n, port) { Sequence = ++_connections };
        _nics.Add(nic);
        n.NicList.Add(nic);
        Address(nic);
        return nic;
    }

    public void DisconnectAdapter(VirtualNic nic)
    {
        nic.Network.Switch.RemovePort(nic.Port);
        nic.Network.NicList.Remove(nic);
        LanDhcp.Release(nic.MacAddress);
        nic.Network.Dhcp?.Release(nic.MacAddress);
        nic.Interface.Stack.RemoveInterface(nic.Interface);
        _nics.Remove(nic);
        if (FindNic(nic.GuestName, nic.Network.Name) is null)       // its port forwards would point at nothing
            Forwarding.Forwards.RemoveAll(f => f.Network == nic.Network.Name && string.Equals(f.Guest, nic.GuestName, StringComparison.OrdinalIgnoreCase));
        if (nic.Interface.Stack.Interfaces.Count == 0) _guests.Remove(nic.GuestName);
    }

    /// <summary>Adds an inbound NAT rule. Errors: NetworkNotFound, NotNatNetwork, GuestNotFound, PortForwardExists.</summary>
    public PortForward AddPortForward(string network, IpProtocol protocol, ushort hostPort, string guest, ushort guestPort)
    {
        var n = GetNetwork(network);
        if (protocol is not (IpProtocol.Tcp or IpProtocol.Udp))
            throw new VirtPSException(ErrorIds.InvalidProtocol, ErrorKind.InvalidArgument, "Port forwards are for TCP or UDP.", protocol);
        if (n.Mode != NetworkMode.Nat)
            throw new VirtPSException(ErrorIds.NotNatNetwork, ErrorKind.InvalidOperation, $"Network '{n.Name}' is in {n.Mode} mode; port forwards need Nat.", network);
        if (FindNic(guest, n.Name) is null)
            throw new VirtPSException(ErrorIds.GuestNotFound, ErrorKind.ObjectNotFound, $"Guest '{guest}' has no adapter on network '{n.Name}'.", guest);
        var clash = Forwarding.Forwards.FirstOrDefault(f => f.Protocol == protocol && f.HostPort == hostPort);
        if (clash is not null)
            throw new VirtPSException(ErrorIds.PortForwardExists, ErrorKind.ResourceExists,
                $"Host port {protocol} {hostPort} is already forwarded to {clash.Guest}:{clash.GuestPort} on '{clash.Network}'.", hostPort);
        var pf = new PortForward(n.Name, protocol, hostPort, guest, guestPort);
        Forwarding.Forwards.Add(pf);
        return pf;
    }

    public IReadOnlyList<PortForward> PortForwards => Forwarding.Forwards.ToList();
    public bool RemovePortForward(IpProtocol protocol, ushort hostPort) => Forwarding.Forwards.RemoveAll(f => f.Protocol == protocol && f.HostPort == hostPort) > 0;

    /// <summary>The host's translation table, optionally for one network (expired sessions are dropped first).</summary>
    public IReadOnlyList<NatSession> NatSessions(string? network = null)
        => Forwarding.Sessions.Where(s => network is null || string.Equals(s.Network, network, StringComparison.OrdinalIgnoreCase)).ToList();
}
