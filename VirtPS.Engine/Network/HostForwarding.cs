using VirtPS.Engine.Network.Frames;
using VirtPS.Engine.Network.Stack;

namespace VirtPS.Engine.Network;

/// <summary>
/// The host's forwarding policy and masquerading. Bridge and Isolated networks never reach this (no host interface);
/// HostOnly interfaces never forward; Routed forwards both ways; Nat forwards out with source NAT and in only what
/// conntrack or a port forward translated.
/// </summary>
public sealed class HostForwarding : IForwardingHook
{
    /// <summary>Linux nf_conntrack defaults: ICMP 30 s, UDP 30 s, established TCP 5 days.</summary>
    public static long TimeoutMicroseconds(IpProtocol p) => p switch
    {
        IpProtocol.Tcp => 432_000_000_000L,
        _ => 30_000_000L,
    };

    /// <summary>After a FIN or RST a TCP mapping lingers only as long as Linux's TIME_WAIT timeout, 120 s.</summary>
    public const long TcpClosingTimeoutMicroseconds = 120_000_000L;

    static bool Closing(Ipv4Packet p) => p.Tcp is { } t && (t.Flags & (TcpFlags.Fin | TcpFlags.Rst)) != 0;

    readonly NetworkWorld _world;
    // Keyed by the whole tuple, as conntrack is: a mapping only answers the remote it was opened to.
    readonly Dictionary<(IpProtocol, Ipv4Address, ushort, Ipv4Address, ushort), NatSession> _byInside = new();
    readonly Dictionary<(IpProtocol, ushort, Ipv4Address, ushort), NatSession> _byOutside = new();
    internal readonly List<PortForward> Forwards = new();
    ushort _nextPort = 50000;

    internal HostForwarding(NetworkWorld world) { _world = world; }

    long Now => _world.Sim.Now;

    public IReadOnlyList<NatSession> Sessions
    {
        get { Expire(); return _byInside.Values.OrderBy(s => s.Protocol).ThenBy(s => s.OutsidePort).ToList(); }
    }

    void Expire()
    {
        foreach (var s in _byInside.Values.Where(s => s.ExpiresMicroseconds < Now).ToList()) Remove(s);
    }

    void Remove(NatSession s)
    {
        _byInside.Remove((s.Protocol, s.InsideAddress, s.InsidePort, s.RemoteAddress, s.RemotePort));
        _byOutside.Remove((s.Protocol, s.OutsidePort, s.RemoteAddress, s.RemotePort));
    }

    internal void RemoveNetwork(string network)
    {
        foreach (var s in _byInside.Values.Where(s => s.Network == network).ToList()) Remove(s);
    }

    static VirtualNetwork? NetworkOf(IpInterface i) => i.Tag as VirtualNetwork;

    static (IpProtocol, ushort Src, ushort Dst)? Ports(Ipv4Packet p) => p.Payload switch
    {
        UdpDatagram u => (IpProtocol.Udp, u.SourcePort, u.DestinationPort),
        TcpSegment t => (IpProtocol.Tcp, t.SourcePort, t.DestinationPort),
        IcmpMessage { Type: (byte)IcmpType.EchoRequest or (byte)IcmpType.EchoReply } m => (IpProtocol.Icmp, m.Identifier, m.Identifier),   // ICMP: the id is the "port"
        _ => null,
    };

    static Ipv4Packet WithPorts(Ipv4Packet p, ushort? src, ushort? dst) => p with
    {
        Payload = p.Payload switch
        {
            UdpDatagram u => u with { SourcePort = src ?? u.SourcePort, DestinationPort = dst ?? u.DestinationPort },
            TcpSegment t => t with { SourcePort = src ?? t.SourcePort, DestinationPort = dst ?? t.DestinationPort },
            IcmpMessage m => m with { Identifier = src ?? dst ?? m.Identifier },
            var x => x,
        }
    };

    public Ipv4Packet Prerouting(IpInterface inbound, Ipv4Packet p, out bool translated)
    {
        translated = false;
        if (inbound != _world.Pnet0 || p.Destination != _world.Pnet0.Address) return p;
        Expire();
        if (p.Icmp is { Type: (byte)IcmpType.TimeExceeded or (byte)IcmpType.DestinationUnreachable } err)
            return UnNatIcmpError(p, err, ref translated);
        if (Ports(p) is not { } k) return p;
        ushort rport = k.Item1 == IpProtocol.Icmp ? (ushort)0 : k.Src;
        if (_byOutside.TryGetValue((k.Item1, k.Dst, p.Source, rport), out var s))
        {
            Touch(s, p);
            translated = true;
            _world.Sim.Log(_world.Host.Name, $"un-NAT {p.Destination}:{k.Dst} -> {s.InsideAddress}:{s.InsidePort} ({s.Network})");
            return WithPorts(p with { Destination = s.InsideAddress }, null, s.InsidePort);
        }
        var fwd = Forwards.FirstOrDefault(f => f.Protocol == k.Item1 && f.HostPort == k.Dst);
        if (fwd is not null && _world.FindNic(fwd.Guest, fwd.Network) is { IPAddress: { } guestIp } nic && nic.Network.Mode == NetworkMode.Nat)
        {
            s = Add(nic.Network.Name, k.Item1, guestIp, fwd.GuestPort, fwd.HostPort, p.Source, rport);
            translated = true;
            _world.Sim.Log(_world.Host.Name, $"port forward {k.Item1} {p.Destination}:{k.Dst} -> {guestIp}:{fwd.GuestPort} ({fwd.Guest})");
            return WithPorts(p with { Destination = guestIp }, null, fwd.GuestPort);
        }
        return p;
    }

    /// <summary>
    /// An ICMP error about a translated packet quotes the translated header (RFC 792); like Linux's NAT, rewrite the
    /// outer destination and the quoted source address and port back to the guest's, fixing the quoted IP header
    /// checksum and (RFC 1624, incrementally: the quote is truncated) the quoted UDP/ICMP checksum.
    /// </summary>
    Ipv4Packet UnNatIcmpError(Ipv4Packet p, IcmpMessage err, ref bool translated)
    {
        var q = err.Data;
        if (q.Length < 28) return p;
        int ihl = (q[0] & 15) * 4;
        if (ihl < 20 || q.Length < ihl + 8) return p;
        var proto = (IpProtocol)q[9];
        var remote = Ipv4Address.Read(q.AsSpan(16));
        ushort Word(int at) => (ushort)((q[at] << 8) | q[at + 1]);
        (ushort outPort, ushort rport, int portAt, int sumAt) = proto switch
        {
            IpProtocol.Icmp => (Word(ihl + 4), (ushort)0, ihl + 4, ihl + 2),
            IpProtocol.Udp => (Word(ihl), Word(ihl + 2), ihl, ihl + 6),
            IpProtocol.Tcp => (Word(ihl), Word(ihl + 2), ihl, -1),          // TCP's checksum lies beyond the 8 quoted bytes
            _ => ((ushort)0, (ushort)0, -1, -1),
        };
        if (portAt < 0 || !_byOutside.TryGetValue((proto, outPort, remote, rport), out var s)) return p;
        var nq = (byte[])q.Clone();
        var oldSrc = Ipv4Address.Read(q.AsSpan(12));
        s.InsideAddress.Write(nq.AsSpan(12));
        nq[portAt] = (byte)(s.InsidePort >> 8); nq[portAt + 1] = (byte)s.InsidePort;
        nq[10] = nq[11] = 0;
        var ipSum = Checksum.Compute(nq.AsSpan(0, ihl));
        nq[10] = (byte)(ipSum >> 8); nq[11] = (byte)ipSum;
        if (sumAt >= 0 && (nq[sumAt] | nq[sumAt + 1]) != 0)
        {
            ushort c = (ushort)((nq[sumAt] << 8) | nq[sumAt + 1]);
            if (proto == IpProtocol.Udp)   // the pseudo-header's source address is covered too
            {
                c = Checksum.Update(c, (ushort)(oldSrc.Value >> 16), (ushort)(s.InsideAddress.Value >> 16));
                c = Checksum.Update(c, (ushort)oldSrc.Value, (ushort)s.InsideAddress.Value);
            }
            c = Checksum.Update(c, outPort, s.InsidePort);
            nq[sumAt] = (byte)(c >> 8); nq[sumAt + 1] = (byte)c;
        }
        translated = true;
        _world.Sim.Log(_world.Host.Name, $"un-NAT ICMP error from {p.Source}: quoted {oldSrc}:{outPort} -> {s.InsideAddress}:{s.InsidePort}");
        return p with { Destination = s.InsideAddress, Payload = err with { Data = nq } };
    }

    public bool AllowForward(IpInterface inbound, IpInterface outbound, Ipv4Packet p, bool translated)
    {
        var pnet = _world.Pnet0;
        var nIn = NetworkOf(inbound); var nOut = NetworkOf(outbound);
        if (inbound == pnet && nOut is not null)
            return nOut.Mode == NetworkMode.Routed || (nOut.Mode == NetworkMode.Nat && translated);
        if (outbound == pnet && nIn is not null)
            return nIn.Mode is NetworkMode.Routed or NetworkMode.Nat;
        return false;   // vnet to vnet, or pnet0 to pnet0: the host is not a router between its virtual networks
    }

    public Ipv4Packet Postrouting(IpInterface inbound, IpInterface outbound, Ipv4Packet p)
    {
        if (outbound != _world.Pnet0 || NetworkOf(inbound) is not { Mode: NetworkMode.Nat } net || Ports(p) is not { } k) return p;
        Expire();
        ushort rport = k.Item1 == IpProtocol.Icmp ? (ushort)0 : k.Dst;
        if (!_byInside.TryGetValue((k.Item1, p.Source, k.Src, p.Destination, rport), out var s))
        {
            // Keep the guest's port when it is free toward this remote (port preservation, like Linux masquerade).
            ushort port = k.Src;
            while (_byOutside.ContainsKey((k.Item1, port, p.Destination, rport)) || Forwards.Any(f => f.Protocol == k.Item1 && f.HostPort == port))
                port = _nextPort = _nextPort >= 65000 ? (ushort)50000 : (ushort)(_nextPort + 1);
            s = Add(net.Name, k.Item1, p.Source, k.Src, port, p.Destination, rport);
        }
        else s = Touch(s, p);
        _world.Sim.Log(_world.Host.Name, $"NAT {p.Source}:{k.Src} -> {s.OutsideAddress}:{s.OutsidePort} ({k.Item1})");
        return WithPorts(p with { Source = s.OutsideAddress }, s.OutsidePort, null);
    }

    NatSession Add(string net, IpProtocol proto, Ipv4Address inside, ushort insidePort, ushort outsidePort, Ipv4Address remote, ushort remotePort)
    {
        var s = new NatSession(net, proto, inside, insidePort, _world.Pnet0.Address, outsidePort, remote, remotePort, Now, Now + TimeoutMicroseconds(proto));
        _byInside[(proto, inside, insidePort, remote, remotePort)] = s;
        _byOutside[(proto, outsidePort, remote, remotePort)] = s;
        return s;
    }

    NatSession Touch(NatSession s, Ipv4Packet p)
    {
        long timeout = Closing(p) || s.ExpiresMicroseconds - s.LastUsedMicroseconds == TcpClosingTimeoutMicroseconds
            ? TcpClosingTimeoutMicroseconds : TimeoutMicroseconds(s.Protocol);
        var t = s with { LastUsedMicroseconds = Now, ExpiresMicroseconds = Now + timeout };
        _byInside[(s.Protocol, s.InsideAddress, s.InsidePort, s.RemoteAddress, s.RemotePort)] = t;
        _byOutside[(s.Protocol, s.OutsidePort, s.RemoteAddress, s.RemotePort)] = t;
        return t;
    }
}
