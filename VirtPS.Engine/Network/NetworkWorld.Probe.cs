using System.Diagnostics;
using VirtPS.Engine.Network.Frames;
using VirtPS.Engine.Network.Stack;
using VirtPS.Engine.Network.Switching;

namespace VirtPS.Engine.Network;

public sealed partial class NetworkWorld
{
    /// <summary>The sending stack for an endpoint: a guest name, "host", a machine's name, or a machine's address.
    /// Error id EndpointNotFound.</summary>
    public IpStack ResolveSender(string endpoint)
    {
        if (_guests.TryGetValue(endpoint, out var g)) return g;
        return FindMachine(endpoint)
            ?? throw new VirtPSException(ErrorIds.EndpointNotFound, ErrorKind.ObjectNotFound,
                $"'{endpoint}' is not a guest with a network adapter, 'host', or a simulated machine's name or address.", endpoint);
    }

    /// <summary>The address <paramref name="from"/> would use to reach <paramref name="endpoint"/>: a guest's NIC address,
    /// the host's address on the sender's network (else pnet0), a machine's address, or a literal address.</summary>
    public Ipv4Address? ResolveTarget(IpStack from, string endpoint)
    {
        if (Ipv4Address.TryParse(endpoint, out var literal)) return literal;
        if (_guests.TryGetValue(endpoint, out var g)) return g.Interfaces.FirstOrDefault(i => i.Subnet is not null)?.Address;
        var m = FindMachine(endpoint)
            ?? throw new VirtPSException(ErrorIds.EndpointNotFound, ErrorKind.ObjectNotFound, $"'{endpoint}' is not a known endpoint.", endpoint);
        if (m == Host)
            foreach (var i in from.Interfaces)
                if (_nics.FirstOrDefault(n => n.Interface == i)?.Network.HostInterface is { } hi) return hi.Address;
        return m.Interfaces[0].Address;
    }

    /// <summary>Test-VConnection: one probe from <paramref name="from"/> to <paramref name="to"/> in simulated time.</summary>
    public ProbeResult TestConnection(string from, string to, ProbeProtocol protocol = ProbeProtocol.Icmp, ushort port = 0, byte ttl = Ipv4Packet.DefaultTtl)
    {
        var s = ResolveSender(from);
        var target = ResolveTarget(s, to);
        if (target is null) return new ProbeResult(s.Name, Ipv4Address.Any, protocol, port, false, ProbeStatus.NoRoute, null, 0, []);
        return s.ProbeTarget(target.Value, protocol, port, ttl);
    }

    /// <summary>
    /// Get-VReachability: every ordered pair of {two guests on the network, a guest on another network, host, a LAN
    /// host, the internet host}, probed with ICMP. Endpoints that do not exist (fewer guests) are left out.
    /// </summary>
    public IReadOnlyList<ReachabilityCell> GetReachability(string network)
    {
        var n = GetNetwork(network);
        var endpoints = n.NicList.Select(x => x.GuestName).Distinct(StringComparer.OrdinalIgnoreCase).Take(2).ToList();
        var other = _nics.FirstOrDefault(x => x.Network != n && !endpoints.Contains(x.GuestName, StringComparer.OrdinalIgnoreCase));
        if (other is not null) endpoints.Add(other.GuestName);
        endpoints.Add("host");
        endpoints.Add(LanHosts[0].Interfaces[0].Address.ToString());
        endpoints.Add(InternetHostAddress.ToString());
        var cells = new List<ReachabilityCell>();
        foreach (var a in endpoints)
            foreach (var b in endpoints)
            {
                if (a == b) continue;
                var sender = ResolveSender(a);
                var target = ResolveTarget(sender, b);
                var r = target is null ? null : sender.ProbeTarget(target.Value);
                cells.Add(new ReachabilityCell(a, b, target, r?.Success ?? false, r?.Status ?? ProbeStatus.NoRoute, r?.ReplySource));
            }
        return cells;
    }

    /// <summary>
    /// The bridge throughput bench: two guests on a private learning switch, <paramref name="frames"/> UDP frames
    /// from one to the other's discard port, each parsed by the receiving stack. Tracing and captures are off.
    /// Returns frames per second of host time (a measurement of the engine, not of simulated time).
    /// </summary>
    public static ThroughputResult BridgeThroughput(int frames)
    {
        var sim = new Simulator { Tracing = false };
        var sw = new LearningSwitch("bench", sim, 1);
        sw.Capture.Stop();
        var net = Ipv4Subnet.Parse("10.9.0.0/24");
        IpStack Node(int k, out IpInterface i)
        {
            var s = new IpStack($"bench{k}", sim);
            i = s.AddInterface("eth0", new MacAddress(0x0256_5000_F000UL + (ulong)k));
            i.Configure(net.Host(k), net);
            var p = sw.AddPort(s.Name); p.Capture.Stop();
            i.Attach(p);
            return s;
        }
        var a = Node(1, out var ia); var b = Node(2, out var ib);
        var bytes = FrameCodec.Build(new EthernetFrame(ib.Mac, ia.Mac, (ushort)EtherType.IPv4,
            new Ipv4Packet(ia.Address, ib.Address, (byte)IpProtocol.Udp, 64, 1, new UdpDatagram(40000, IpStack.DiscardPort, new byte[18]))));
        // Let the switch learn both ends first, as a bridge would after the first exchange.
        a.ProbeTarget(ib.Address);
        void Pump(int count)
        {
            const int batch = 32;      // a small burst keeps the event heap shallow
            for (int sent = 0; sent < count;)
            {
                int k = Math.Min(batch, count - sent);
                for (int j = 0; j < k; j++) ia.Adapter!.Send(bytes);
                sim.Run();
                sent += k;
            }
        }
        Pump(Math.Min(frames, 50_000));      // warm-up, untimed: lets the JIT reach optimized code first
        long before = b.FramesReceived;
        var sw2 = Stopwatch.StartNew();
        Pump(frames);
        sw2.Stop();
        long delivered = b.FramesReceived - before;
        double secs = Math.Max(sw2.Elapsed.TotalSeconds, 1e-9);
        return new ThroughputResult(frames, delivered, secs, delivered / secs);
    }
}
