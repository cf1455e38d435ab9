using VirtPS.Engine.Network.Frames;

namespace VirtPS.Engine.Network.Stack;

/// <summary>
/// An IPv4 node's stack: interfaces, ARP cache (RFC 826), routing table with longest-prefix match, ICMP echo
/// (RFC 792), UDP echo (RFC 862, port 7) and discard (RFC 863, port 9), a TCP echo service, and optional IP
/// forwarding with TTL decrement and ICMP time exceeded. It acts on its owner's behalf: no guest CPU needed.
/// </summary>
public sealed partial class IpStack
{
    readonly List<IpInterface> _interfaces = new();
    readonly List<Route> _static = new();
    readonly Dictionary<Ipv4Address, MacAddress> _arp = new();
    readonly Dictionary<Ipv4Address, List<(IpInterface If, Ipv4Packet Packet)>> _pendingArp = new();
    ushort _ipId;

    public IpStack(string name, Simulator sim) { Name = name; Sim = sim; }

    public string Name { get; }
    public Simulator Sim { get; }
    public IReadOnlyList<IpInterface> Interfaces => _interfaces;
    /// <summary>The IP-forwarding switch (Linux net.ipv4.ip_forward): off for end hosts.</summary>
    public bool IpForwarding { get; set; }
    public IForwardingHook? Hook { get; set; }
    public HashSet<ushort> UdpEchoPorts { get; } = new() { 7 };
    public HashSet<ushort> TcpEchoPorts { get; } = new() { 80 };
    public const ushort DiscardPort = 9;
    public long FramesReceived { get; private set; }
    public long FramesDropped { get; private set; }
    public string? LastDropReason { get; private set; }

    public IpInterface AddInterface(string name, MacAddress mac)
    {
        var i = new IpInterface(this, name, mac);
        _interfaces.Add(i);
        return i;
    }

    public void RemoveInterface(IpInterface i)
    {
        i.Detach();
        _dhcpServers.Remove(i);
        _interfaces.Remove(i);
        _static.RemoveAll(r => r.Interface == i.Name);
        FlushArp();
    }

    public IpInterface? FindInterface(string name) => _interfaces.FirstOrDefault(i => i.Name == name);

    /// <summary>Connected routes (one per configured interface) followed by static routes.</summary>
    public IReadOnlyList<Route> Routes =>
        _interfaces.Where(i => i.Subnet is not null).Select(i => new Route(i.Subnet!.Value, Ipv4Address.Any, i.Name, RouteKind.Connected))
            .Concat(_static).ToList();

    /// <summary>Adds a static route; the gateway must be on a connected subnet (as Linux requires). Error id GatewayUnreachable.</summary>
    public Route AddRoute(Ipv4Subnet destination, Ipv4Address gateway)
    {
        var via = _interfaces.FirstOrDefault(i => i.Subnet?.Contains(gateway) == true)
            ?? throw new VirtPSException(ErrorIds.GatewayUnreachable, ErrorKind.InvalidArgument,
                $"{Name}: gateway {gateway} is not on a connected subnet.", gateway.ToString());
        _static.RemoveAll(r => r.Destination == destination);
        var route = new Route(destination, gateway, via.Name, RouteKind.Static);
        _static.Add(route);
        return route;
    }

    public bool RemoveRoute(Ipv4Subnet destination) => _static.RemoveAll(r => r.Destination == destination) > 0;

    public void SetDefaultGateway(Ipv4Address? gateway)
    {
        RemoveRoute(new Ipv4Subnet(Ipv4Address.Any, 0));
        if (gateway is { } g) AddRoute(new Ipv4Subnet(Ipv4Address.Any, 0), g);
    }

    public void ClearStaticRoutes() => _static.Clear();

    /// <summary>Longest-prefix match; a connected route wins a tie.</summary>
    public (IpInterface If, Ipv4Address NextHop)? Lookup(Ipv4Address dst)
    {
        Route? best = null;
        foreach (var r in Routes)
            if (r.Destination.Contains(dst) && (best is null || r.Destination.PrefixLength > best.Destination.PrefixLength)) best = r;
        if (best is null) return null;
        var i = FindInterface(best.Interface);
        if (i is null || i.Subnet is null) return null;
        return (i, best.Gateway == Ipv4Address.Any ? dst : best.Gateway);
    }

    public IReadOnlyDictionary<Ipv4Address, MacAddress> ArpCache => _arp;
    public void FlushArp() { _arp.Clear(); _pendingArp.Clear(); }

    public bool IsLocal(Ipv4Address a)
    {
        foreach (var i in _interfaces) if (i.Subnet is not null && i.Address == a) return true;
        return false;
    }

    void Drop(string reason)
    {
        FramesDropped++; LastDropReason = reason;
        Sim.Log(Name, "drop: " + reason);
    }

    internal void OnFrame(IpInterface inIf, byte[] bytes)
    {
        FramesReceived++;
        // The NIC's own filter first, before any parsing: a switch floods frames meant for others.
        if (bytes.Length >= 6 && MacAddress.Read(bytes) is var to && to != inIf.Mac && !to.IsBroadcast) return;
        var parsed = FrameCodec.Parse(bytes);
        if (!parsed.Success) { Drop(parsed.Error!); return; }
        var f = parsed.Frame!;
        if (f.Arp is { } arp) OnArp(inIf, arp);
        else if (f.Ip is { } ip) OnIp(inIf, ip);
    }

    void OnArp(IpInterface i, ArpMessage a)
    {
        if (i.Subnet is null) return;
        bool forUs = a.TargetIp == i.Address;
        // RFC 826's merge: update an existing entry; add one only when the request targets us.
        if (forUs || _arp.ContainsKey(a.SenderIp)) Learn(a.SenderIp, a.SenderMac);
        if (forUs && a.Operation == ArpOperation.Request)
        {
            Sim.Log(Name, $"ARP reply {i.Address} is-at {i.Mac} to {a.SenderIp}");
            Transmit(i, a.SenderMac, (ushort)EtherType.Arp, new ArpMessage(ArpOperation.Reply, i.Mac, i.Address, a.SenderMac, a.SenderIp));
        }
    }

    void Learn(Ipv4Address ip, MacAddress mac)
    {
        _arp[ip] = mac;
        if (_pendingArp.Remove(ip, out var waiting))
            foreach (var (i, p) in waiting) Transmit(i, mac, (ushort)EtherType.IPv4, p);
    }

    void Transmit(IpInterface i, MacAddress dst, ushort type, object body)
        => i.Adapter?.Send(FrameCodec.Build(new EthernetFrame(dst, i.Mac, type, body)));

    /// <summary>Sends a packet out <paramref name="i"/> toward <paramref name="nextHop"/>, resolving it with ARP first.</summary>
    void Output(IpInterface i, Ipv4Address nextHop, Ipv4Packet p)
    {
        if (_arp.TryGetValue(nextHop, out var mac)) { Transmit(i, mac, (ushort)EtherType.IPv4, p); return; }
        if (_pendingArp.TryGetValue(nextHop, out var list)) { list.Add((i, p)); return; }
        _pendingArp[nextHop] = new() { (i, p) };
        Sim.Log(Name, $"ARP who-has {nextHop} tell {i.Address}");
        Transmit(i, MacAddress.Broadcast, (ushort)EtherType.Arp, new ArpMessage(ArpOperation.Request, i.Mac, i.Address, default, nextHop));
        // Unanswered requests give up after a second, as a real stack's ARP timer would.
        Sim.Schedule(1_000_000, () => { if (_pendingArp.Remove(nextHop)) Sim.Log(Name, $"ARP for {nextHop} timed out"); });
    }

    /// <summary>Sends a locally originated packet; a zero source takes the outgoing interface's address.
    /// Returns false when there is no route (the caller sees "network unreachable").</summary>
    public bool SendIp(Ipv4Packet p)
    {
        var r = Lookup(p.Destination);
        if (r is null) { Sim.Log(Name, $"no route to {p.Destination}"); return false; }
        if (p.Source == Ipv4Address.Any) p = p with { Source = r.Value.If.Address };
        if (IsLocal(p.Destination)) { var q = p; Sim.Schedule(1, () => Deliver(q)); return true; }
        Output(r.Value.If, r.Value.NextHop, p);
        return true;
    }

    internal ushort NextIpId() => ++_ipId;

    Ipv4Packet NewPacket(Ipv4Address src, Ipv4Address dst, IpProtocol proto, object payload, byte ttl = Ipv4Packet.DefaultTtl)
        => new(src, dst, (byte)proto, ttl, NextIpId(), payload);

    void OnIp(IpInterface inIf, Ipv4Packet p)
    {
        bool translated = false;
        if (Hook is not null) p = Hook.Prerouting(inIf, p, out translated);
        if (IsLocal(p.Destination) || p.Destination == Ipv4Address.Broadcast) { Deliver(p, inIf); return; }
        if (!IpForwarding) return;                          // an end host silently ignores packets not for it
        var r = Lookup(p.Destination);
        if (r is null)
        {
            Sim.Log(Name, $"no route to {p.Destination}: ICMP net unreachable to {p.Source}");
            SendIcmpError(inIf, p, IcmpType.DestinationUnreachable, 0);
            return;
        }
        if (p.Ttl <= 1)
        {
            // RFC 1812 5.3.1: a router must not forward a packet whose TTL would reach zero; it answers time exceeded.
            Sim.Log(Name, $"TTL expired for {p.Source} -> {p.Destination}: ICMP time exceeded");
            SendIcmpError(inIf, p, IcmpType.TimeExceeded, 0);
            return;
        }
        if (Hook is not null && !Hook.AllowForward(inIf, r.Value.If, p, translated))
        {
            Sim.Log(Name, $"forwarding {inIf.Name} -> {r.Value.If.Name} not allowed: drop {p.Source} -> {p.Destination}");
            return;
        }
        var fwd = p with { Ttl = (byte)(p.Ttl - 1) };
        if (Hook is not null) fwd = Hook.Postrouting(inIf, r.Value.If, fwd);
        Sim.Log(Name, $"forward {fwd.Source} -> {fwd.Destination} {inIf.Name} -> {r.Value.If.Name}, TTL {fwd.Ttl}");
        Output(r.Value.If, r.Value.NextHop, fwd);
    }

    void SendIcmpError(IpInterface inIf, Ipv4Packet offending, IcmpType type, byte code)
    {
        if (offending.Icmp is { } m && m.Type is not ((byte)IcmpType.EchoRequest or (byte)IcmpType.EchoReply)) return;  // RFC 1122: never an error about an error
        if (inIf.Subnet is null) return;
        SendIp(NewPacket(inIf.Address, offending.Source, IpProtocol.Icmp,
            new IcmpMessage((byte)type, code, 0, 0, FrameCodec.QuoteForIcmpError(offending))));
    }

    void Deliver(Ipv4Packet p, IpInterface? inIf = null)
    {
        switch (p.Payload)
        {
            case IcmpMessage m: OnIcmp(p, m); break;
            case UdpDatagram u: OnUdp(p, u, inIf); break;
            case TcpSegment t: OnTcp(p, t); break;
        }
    }

    void OnIcmp(Ipv4Packet p, IcmpMessage m)
    {
        switch ((IcmpType)m.Type)
        {
            case IcmpType.EchoRequest:
                Sim.Log(Name, $"ICMP echo reply to {p.Source}");
                SendIp(NewPacket(p.Destination, p.Source, IpProtocol.Icmp, m with { Type = (byte)IcmpType.EchoReply, Code = 0 }));
                break;
            case IcmpType.EchoReply:
                OnEchoReply(p, m); break;
            case IcmpType.TimeExceeded:
            case IcmpType.DestinationUnreachable:
                OnIcmpError(p, m); break;
        }
    }

    void OnUdp(Ipv4Packet p, UdpDatagram u, IpInterface? inIf)
    {
        if (OnDhcp(inIf, u)) return;
        if (UdpEchoPorts.Contains(u.DestinationPort))
        {
            Sim.Log(Name, $"UDP echo {u.Data.Length} bytes to {p.Source}:{u.SourcePort}");
            SendIp(NewPacket(p.Destination, p.Source, IpProtocol.Udp, new UdpDatagram(u.DestinationPort, u.SourcePort, u.Data)));
        }
        else if (u.DestinationPort == DiscardPort) { }
        else if (!OnUdpReply(p, u) && p.Destination != Ipv4Address.Broadcast)
            SendIcmpError(_interfaces.First(i => i.Address == p.Destination), p, IcmpType.DestinationUnreachable, 3);   // port unreachable
    }
}
