using System.Buffers.Binary;
using VirtPS.Engine.Network.Frames;

namespace VirtPS.Engine.Network.Stack;

/// <summary>The client side: one probe at a time (ping, UDP echo, TCP connect-send-close), run in simulated time.</summary>
public sealed partial class IpStack
{
    sealed class Probe
    {
        public ProbeProtocol Protocol; public Ipv4Address Target; public ushort Id, Seq, LocalPort, RemotePort;
        public long Started; public ProbeStatus? Status; public Ipv4Address? ReplySource; public long Finished;
        public uint Iss, SndNxt, RcvNxt; public bool Closing;
    }

    Probe? _probe;
    ushort _seq, _ephemeral = 49151;   // IANA dynamic ports start at 49152
    ushort? _icmpIdCache;
    /// <summary>Each stack pings with its own identifier (a stable FNV-1a hash of its name), as separate ping processes would.</summary>
    ushort IcmpId => _icmpIdCache ??= (ushort)Name.Aggregate(2166136261u, (h, c) => (h ^ c) * 16777619u);
    static readonly byte[] ProbeData = "VirtPS probe"u8.ToArray();

    /// <summary>Default time a probe waits for an answer: 2 simulated seconds.</summary>
    public const long DefaultTimeoutMicroseconds = 2_000_000;

    /// <summary>Sends one probe to <paramref name="target"/> and runs the simulation until it is answered or times out.</summary>
    public ProbeResult ProbeTarget(Ipv4Address target, ProbeProtocol protocol = ProbeProtocol.Icmp, ushort port = 0,
        byte ttl = Ipv4Packet.DefaultTtl, long timeoutMicroseconds = DefaultTimeoutMicroseconds)
    {
        if (protocol == ProbeProtocol.Udp && port == 0) port = 7;
        if (protocol == ProbeProtocol.Tcp && port == 0) port = 80;
        var pr = new Probe { Protocol = protocol, Target = target, Started = Sim.Now, RemotePort = port };
        _probe = pr;
        int traceStart = Sim.TraceCount;
        Sim.Log(Name, $"{protocol} probe to {target}{(protocol == ProbeProtocol.Icmp ? "" : ":" + port)}");
        object payload;
        IpProtocol proto;
        switch (protocol)
        {
            case ProbeProtocol.Icmp:
                pr.Id = IcmpId; pr.Seq = ++_seq;
                payload = new IcmpMessage((byte)IcmpType.EchoRequest, 0, pr.Id, pr.Seq, ProbeData); proto = IpProtocol.Icmp; break;
            case ProbeProtocol.Udp:
                pr.LocalPort = NextEphemeral();
                payload = new UdpDatagram(pr.LocalPort, port, ProbeData); proto = IpProtocol.Udp; break;
            default:
                pr.LocalPort = NextEphemeral(); pr.Iss = (uint)(0x10000 * pr.LocalPort); pr.SndNxt = pr.Iss + 1;
                payload = new TcpSegment(pr.LocalPort, port, pr.Iss, 0, TcpFlags.Syn, 65535, []); proto = IpProtocol.Tcp; break;
        }
        if (!SendIp(NewPacket(Ipv4Address.Any, target, proto, payload, ttl)))
            pr.Status = ProbeStatus.NoRoute;
        long deadline = pr.Started + timeoutMicroseconds;
        Sim.RunWhile(() => pr.Status is null || (pr.Protocol == ProbeProtocol.Tcp && pr.Status == ProbeStatus.Reply && pr.Closing), deadline);
        Sim.RunWhile(() => true, deadline);      // let trailing frames (the close, stray replies) finish
        _probe = null;
        var status = pr.Status ?? ProbeStatus.Timeout;
        if (status == ProbeStatus.Timeout) Sim.Log(Name, "no answer: timed out");
        long rtt = status is ProbeStatus.Timeout or ProbeStatus.NoRoute ? 0 : pr.Finished - pr.Started;
        return new ProbeResult(Name, target, protocol, port, status == ProbeStatus.Reply, status, pr.ReplySource, rtt, Sim.TraceSince(traceStart));
    }

    ushort NextEphemeral() => _ephemeral = _ephemeral >= 65535 ? (ushort)49152 : (ushort)(_ephemeral + 1);

    void Finish(Probe pr, ProbeStatus status, Ipv4Address from)
    {
        if (pr.Status is not null) return;
        pr.Status = status; pr.ReplySource = from; pr.Finished = Sim.Now;
        Sim.Log(Name, $"{status} from {from}");
    }

    void OnEchoReply(Ipv4Packet p, IcmpMessage m)
    {
        if (_probe is { Protocol: ProbeProtocol.Icmp } pr && m.Identifier == pr.Id && m.Sequence == pr.Seq) Finish(pr, ProbeStatus.Reply, p.Source);
    }

    bool OnUdpReply(Ipv4Packet p, UdpDatagram u)
    {
        if (_probe is { Protocol: ProbeProtocol.Udp } pr && u.DestinationPort == pr.LocalPort && u.SourcePort == pr.RemotePort)
        {
            Finish(pr, ProbeStatus.Reply, p.Source);
            return true;
        }
        return false;
    }

    /// <summary>Matches an ICMP error to the probe by the quoted header (RFC 792): addresses, protocol, then ports or id/seq.</summary>
    void OnIcmpError(Ipv4Packet p, IcmpMessage m)
    {
        if (_probe is not { } pr || m.Data.Length < 28) return;
        var q = m.Data.AsSpan();
        int ihl = (q[0] & 15) * 4;
        if (q.Length < ihl + 8 || Ipv4Address.Read(q[16..]) != pr.Target) return;
        var t = q[ihl..];
        bool match = q[9] switch
        {
            1 => pr.Protocol == ProbeProtocol.Icmp && BinaryPrimitives.ReadUInt16BigEndian(t[4..]) == pr.Id && BinaryPrimitives.ReadUInt16BigEndian(t[6..]) == pr.Seq,
            17 => pr.Protocol == ProbeProtocol.Udp && BinaryPrimitives.ReadUInt16BigEndian(t) == pr.LocalPort,
            6 => pr.Protocol == ProbeProtocol.Tcp && BinaryPrimitives.ReadUInt16BigEndian(t) == pr.LocalPort,
            _ => false,
        };
        if (match) Finish(pr, m.Type == (byte)IcmpType.TimeExceeded ? ProbeStatus.TimeExceeded : ProbeStatus.DestinationUnreachable, p.Source);
    }
}
