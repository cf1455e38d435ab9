using VirtPS.Engine.Network.Frames;

namespace VirtPS.Engine.Network.Stack;

/// <summary>TCP, enough for RFC 793's three-way handshake, data, and the FIN exchange: an echo service on
/// <see cref="TcpEchoPorts"/> and the probe's client side. No retransmission: the simulated wire does not lose frames.</summary>
public sealed partial class IpStack
{
    enum TcpState { SynReceived, Established, LastAck }
    sealed class TcpConnection { public TcpState State; public uint SndNxt, RcvNxt; }

    readonly Dictionary<(Ipv4Address, ushort, ushort), TcpConnection> _tcp = new();
    uint _issCounter = 1_000_000;

    public int TcpConnectionCount => _tcp.Count;

    void SendTcp(Ipv4Packet to, ushort srcPort, ushort dstPort, uint seq, uint ack, TcpFlags flags, byte[] data)
        => SendIp(NewPacket(to.Destination, to.Source, IpProtocol.Tcp, new TcpSegment(srcPort, dstPort, seq, ack, flags, 65535, data)));

    void OnTcp(Ipv4Packet p, TcpSegment t)
    {
        if (_probe is { Protocol: ProbeProtocol.Tcp } pr && t.DestinationPort == pr.LocalPort && t.SourcePort == pr.RemotePort && p.Source == pr.Target)
        { OnTcpClient(p, t, pr); return; }
        var key = (p.Source, t.SourcePort, t.DestinationPort);
        if (!_tcp.TryGetValue(key, out var c))
        {
            if (t.Flags == TcpFlags.Syn && TcpEchoPorts.Contains(t.DestinationPort))
            {
                c = new TcpConnection { State = TcpState.SynReceived, SndNxt = _issCounter += 64000, RcvNxt = t.Sequence + 1 };
                _tcp[key] = c;
                Sim.Log(Name, $"TCP SYN-ACK to {p.Source}:{t.SourcePort}");
                SendTcp(p, t.DestinationPort, t.SourcePort, c.SndNxt++, c.RcvNxt, TcpFlags.Syn | TcpFlags.Ack, []);
            }
            else if ((t.Flags & TcpFlags.Rst) == 0)
            {
                // RFC 793 "Reset Generation": a segment for no connection is answered with RST.
                Sim.Log(Name, $"TCP RST to {p.Source}:{t.SourcePort} (port {t.DestinationPort} closed)");
                bool ack = (t.Flags & TcpFlags.Ack) != 0;
                SendTcp(p, t.DestinationPort, t.SourcePort, ack ? t.Acknowledgment : 0,
                    t.Sequence + (uint)t.Data.Length + ((t.Flags & TcpFlags.Syn) != 0 ? 1u : 0), ack ? TcpFlags.Rst : TcpFlags.Rst | TcpFlags.Ack, []);
            }
            return;
        }
        if ((t.Flags & TcpFlags.Rst) != 0) { _tcp.Remove(key); return; }
        if (c.State == TcpState.SynReceived && (t.Flags & TcpFlags.Ack) != 0) c.State = TcpState.Established;
        if (t.Data.Length > 0 && t.Sequence == c.RcvNxt)
        {
            c.RcvNxt += (uint)t.Data.Length;
            Sim.Log(Name, $"TCP echo {t.Data.Length} bytes to {p.Source}:{t.SourcePort}");
            SendTcp(p, t.DestinationPort, t.SourcePort, c.SndNxt, c.RcvNxt, TcpFlags.Ack | TcpFlags.Psh, t.Data);
            c.SndNxt += (uint)t.Data.Length;
        }
        if ((t.Flags & TcpFlags.Fin) != 0 && c.State == TcpState.Established)
        {
            c.RcvNxt++;
            c.State = TcpState.LastAck;
            SendTcp(p, t.DestinationPort, t.SourcePort, c.SndNxt++, c.RcvNxt, TcpFlags.Fin | TcpFlags.Ack, []);
        }
        else if (c.State == TcpState.LastAck && (t.Flags & TcpFlags.Ack) != 0 && t.Acknowledgment == c.SndNxt) _tcp.Remove(key);
    }

    void OnTcpClient(Ipv4Packet p, TcpSegment t, Probe pr)
    {
        if ((t.Flags & TcpFlags.Rst) != 0) { Finish(pr, ProbeStatus.Reset, p.Source); pr.Closing = false; return; }
        if ((t.Flags & (TcpFlags.Syn | TcpFlags.Ack)) == (TcpFlags.Syn | TcpFlags.Ack) && pr.RcvNxt == 0)
        {
            pr.RcvNxt = t.Sequence + 1;
            Sim.Log(Name, "TCP established; sending data");
            SendTcp(p, pr.LocalPort, pr.RemotePort, pr.SndNxt, pr.RcvNxt, TcpFlags.Ack | TcpFlags.Psh, ProbeData);
            pr.SndNxt += (uint)ProbeData.Length;
            return;
        }
        if (t.Data.Length > 0 && t.Sequence == pr.RcvNxt)
        {
            pr.RcvNxt += (uint)t.Data.Length;
            if (t.Data.AsSpan().SequenceEqual(ProbeData))
            {
                Finish(pr, ProbeStatus.Reply, p.Source);
                pr.Closing = true;
                SendTcp(p, pr.LocalPort, pr.RemotePort, pr.SndNxt++, pr.RcvNxt, TcpFlags.Fin | TcpFlags.Ack, []);
            }
        }
        if ((t.Flags & TcpFlags.Fin) != 0 && pr.Closing)
        {
            pr.RcvNxt++;
            SendTcp(p, pr.LocalPort, pr.RemotePort, pr.SndNxt, pr.RcvNxt, TcpFlags.Ack, []);
            pr.Closing = false;
            Sim.Log(Name, "TCP closed");
        }
    }
}
