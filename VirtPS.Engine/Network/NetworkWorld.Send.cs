using VirtPS.Engine.Network.Frames;
using VirtPS.Engine.Network.Stack;

namespace VirtPS.Engine.Network;

/// <summary>Send-VPacket and Add-VRoute: raw frames, single datagrams, static routes on any simulated node.</summary>
public sealed partial class NetworkWorld
{
    /// <summary>Puts <paramref name="frame"/> on the wire from the sender's first interface, exactly as given (malformed
    /// frames included: receivers drop them with a reason), runs the simulation, and returns what happened.</summary>
    public IReadOnlyList<HopRecord> SendFrame(string from, byte[] frame)
    {
        var s = ResolveSender(from);
        var i = s.Interfaces.FirstOrDefault(x => x.Adapter is not null)
            ?? throw new VirtPSException(ErrorIds.AdapterNotConnected, ErrorKind.InvalidOperation, $"'{from}' has no connected adapter.", from);
        int start = Sim.TraceCount;
        Sim.Log(s.Name, $"raw frame of {frame.Length} bytes out {i.Name}");
        i.Adapter!.Send(frame);
        Sim.Run(Sim.Now + IpStack.DefaultTimeoutMicroseconds);
        return Sim.TraceSince(start);
    }

    /// <summary>Sends one UDP datagram from <paramref name="from"/> to <paramref name="to"/>:<paramref name="port"/>.</summary>
    public IReadOnlyList<HopRecord> SendUdp(string from, string to, ushort port, byte[] data, ushort sourcePort = 40000)
    {
        var s = ResolveSender(from);
        var target = ResolveTarget(s, to)
            ?? throw new VirtPSException(ErrorIds.EndpointNotFound, ErrorKind.ObjectNotFound, $"'{to}' has no address.", to);
        int start = Sim.TraceCount;
        Sim.Log(s.Name, $"UDP {data.Length} bytes to {target}:{port}");
        if (!s.SendIp(new Ipv4Packet(Ipv4Address.Any, target, (byte)IpProtocol.Udp, Ipv4Packet.DefaultTtl, s.NextIpId(), new UdpDatagram(sourcePort, port, data))))
            Sim.Log(s.Name, "network unreachable");
        Sim.Run(Sim.Now + IpStack.DefaultTimeoutMicroseconds);
        return Sim.TraceSince(start);
    }

    /// <summary>Adds a static route on a node (guest name, "gateway", "host", a LAN machine's name or address).
    /// Errors: EndpointNotFound, InvalidCidr, InvalidIpAddress, GatewayUnreachable.</summary>
    public Route AddRoute(string node, string destination, string gateway)
    {
        var stack = ResolveSender(node);
        var route = stack.AddRoute(Ipv4Subnet.Parse(destination), Ipv4Address.Parse(gateway));
        _userRoutes.RemoveAll(r => r.Node == stack.Name && r.Destination == route.Destination);
        _userRoutes.Add((stack.Name, route.Destination, route.Gateway));
        return route;
    }

    public bool RemoveRoute(string node, string destination)
    {
        var stack = ResolveSender(node);
        var subnet = Ipv4Subnet.Parse(destination);
        _userRoutes.RemoveAll(r => r.Node == stack.Name && r.Destination == subnet);
        return stack.RemoveRoute(subnet);
    }

    readonly List<(string Node, Ipv4Subnet Destination, Ipv4Address Gateway)> _userRoutes = [];

    /// <summary>The static routes users added (Add-VRoute), by node, in the order added: what a lab file keeps. Routes the
    /// networks make themselves (DHCP's default gateways, a mode's routes) are not among them.</summary>
    public IReadOnlyList<(string Node, Ipv4Subnet Destination, Ipv4Address Gateway)> UserRoutes => _userRoutes.ToList();
}
