using System.Numerics;
using VirtPS.Engine.Network.Frames;

namespace VirtPS.Engine.Network.Stack;

/// <summary>DHCP on the wire (RFC 2131): a server on chosen interfaces and a client that runs DISCOVER, OFFER,
/// REQUEST, ACK as broadcasts from 0.0.0.0, so a bridged guest's request really crosses the bridge to the LAN's server.</summary>
public sealed partial class IpStack
{
    readonly Dictionary<IpInterface, DhcpServer> _dhcpServers = new();
    sealed class DhcpClient { public required IpInterface If; public uint Xid; public DhcpLease? Lease; }
    DhcpClient? _dhcpClient;
    uint _xid;

    /// <summary>Serves <paramref name="server"/>'s pool on <paramref name="i"/> (null stops serving).</summary>
    public void ServeDhcp(IpInterface i, DhcpServer? server)
    {
        if (server is null) _dhcpServers.Remove(i); else _dhcpServers[i] = server;
    }

    /// <summary>Drops <paramref name="i"/>'s address and asks the segment's DHCP server for one; null if nobody answered.</summary>
    public DhcpLease? RequestAddress(IpInterface i, long timeoutMicroseconds = DefaultTimeoutMicroseconds)
    {
        i.Unconfigure();
        var c = new DhcpClient { If = i, Xid = (uint)(i.Mac.Value * 2654435761u) + ++_xid };   // deterministic, distinct per NIC
        _dhcpClient = c;
        Sim.Log(Name, $"DHCPDISCOVER from {i.Mac}");
        BroadcastUdp(i, DhcpMessage.ClientPort, DhcpMessage.ServerPort,
            new DhcpMessage(DhcpMessage.BootRequest, c.Xid, Ipv4Address.Any, Ipv4Address.Any, i.Mac, DhcpMessageType.Discover).ToBytes());
        Sim.RunWhile(() => c.Lease is null, Sim.Now + timeoutMicroseconds);
        _dhcpClient = null;
        if (c.Lease is null) Sim.Log(Name, "no DHCP answer");
        return c.Lease;
    }

    void BroadcastUdp(IpInterface i, ushort sport, ushort dport, byte[] data)
        => Transmit(i, MacAddress.Broadcast, (ushort)EtherType.IPv4,
            NewPacket(i.Subnet is null ? Ipv4Address.Any : i.Address, Ipv4Address.Broadcast, IpProtocol.Udp, new UdpDatagram(sport, dport, data)));

    bool OnDhcp(IpInterface? inIf, UdpDatagram u)
    {
        if (inIf is null) return false;
        if (u.DestinationPort == DhcpMessage.ServerPort && _dhcpServers.TryGetValue(inIf, out var server))
        {
            if (DhcpMessage.Parse(u.Data) is not { Op: DhcpMessage.BootRequest } m) return true;
            var lease = server.Lease(m.ClientMac);
            var type = m.Type switch
            {
                DhcpMessageType.Discover => DhcpMessageType.Offer,
                DhcpMessageType.Request when m.RequestedAddress == lease.Address => DhcpMessageType.Ack,
                DhcpMessageType.Request => DhcpMessageType.Nak,
                _ => (DhcpMessageType?)null,
            };
            if (type is null) return true;
            Sim.Log(Name, $"DHCP{type.ToString()!.ToUpperInvariant()} {lease.Address} to {m.ClientMac}");
            var reply = new DhcpMessage(DhcpMessage.BootReply, m.TransactionId, Ipv4Address.Any,
                type == DhcpMessageType.Nak ? Ipv4Address.Any : lease.Address, m.ClientMac, type.Value,
                ServerId: inIf.Address, SubnetMask: new Ipv4Address(lease.Subnet.Mask), Router: lease.Router, LeaseSeconds: 86400);
            BroadcastUdp(inIf, DhcpMessage.ServerPort, DhcpMessage.ClientPort, reply.ToBytes());
            return true;
        }
        if (u.DestinationPort == DhcpMessage.ClientPort && _dhcpClient is { } c && c.If == inIf)
        {
            if (DhcpMessage.Parse(u.Data) is not { Op: DhcpMessage.BootReply } m || m.TransactionId != c.Xid || m.ClientMac != inIf.Mac) return true;
            if (m.Type == DhcpMessageType.Offer)
            {
                Sim.Log(Name, $"DHCPREQUEST {m.YourAddress}");
                BroadcastUdp(inIf, DhcpMessage.ClientPort, DhcpMessage.ServerPort, new DhcpMessage(DhcpMessage.BootRequest, c.Xid,
                    Ipv4Address.Any, Ipv4Address.Any, inIf.Mac, DhcpMessageType.Request, RequestedAddress: m.YourAddress, ServerId: m.ServerId).ToBytes());
            }
            else if (m.Type == DhcpMessageType.Ack && m.SubnetMask is { } mask)
            {
                var subnet = new Ipv4Subnet(new Ipv4Address(m.YourAddress.Value & mask.Value), BitOperations.PopCount(mask.Value));
                inIf.Configure(m.YourAddress, subnet);
                RemoveRoute(new Ipv4Subnet(Ipv4Address.Any, 0));
                if (m.Router is { } r) SetDefaultGateway(r);
                c.Lease = new DhcpLease(inIf.Mac, m.YourAddress, subnet, m.Router);
                Sim.Log(Name, $"bound to {m.YourAddress}/{subnet.PrefixLength}{(m.Router is { } g ? $" via {g}" : "")}");
            }
            return true;
        }
        return false;
    }
}
