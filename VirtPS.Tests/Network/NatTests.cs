using VirtPS.Engine;
using VirtPS.Engine.Network;
using VirtPS.Engine.Network.Frames;
using VirtPS.Engine.Network.Stack;
using Xunit;

namespace VirtPS.Tests.Network;

public class NatTests
{
    static NetworkWorld Nat()
    {
        var w = new NetworkWorld();
        w.NewNetwork("nat", NetworkMode.Nat);
        w.ConnectAdapter("web", "nat");
        return w;
    }

    [Fact]
    public void VirtualBoxAddressing()
    {
        var w = Nat();
        var n = w.GetNetwork("nat");
        Assert.Equal("10.0.2.0/24", n.Subnet.ToString());
        Assert.Equal("10.0.2.2", n.HostInterface!.Address.ToString());
        Assert.Equal("vnet0", n.HostInterface.Name);
        Assert.Equal("10.0.2.15", w.GetAdapters("web")[0].IPAddress.ToString());
        Assert.Contains(w.GetGuestStack("web").Routes, r => r.Destination.PrefixLength == 0 && r.Gateway.ToString() == "10.0.2.2");
    }

    [Theory]
    [InlineData(ProbeProtocol.Icmp, (ushort)0)]
    [InlineData(ProbeProtocol.Udp, (ushort)7)]
    [InlineData(ProbeProtocol.Tcp, (ushort)80)]
    public void InternetSeesHostAddress(ProbeProtocol proto, ushort port)
    {
        var w = Nat();
        w.Internet.Capture.Start();
        var r = w.TestConnection("web", "203.0.113.10", proto, port);
        Assert.True(r.Success, r.Status.ToString());
        Assert.Equal("203.0.113.10", r.ReplySource.ToString());
        Assert.True(r.RoundTripMicroseconds > 20_000);     // two 10 ms internet hops each way
        var seen = w.Internet.Capture.Frames.Select(f => FrameCodec.Parse(f.Data).Frame!.Ip).Where(p => p is not null).ToList();
        Assert.NotEmpty(seen);
        Assert.All(seen, p => Assert.True(p!.Source == NetworkWorld.HostAddress || p.Destination == NetworkWorld.HostAddress));
        var s = Assert.Single(w.NatSessions("nat"));
        Assert.Equal("10.0.2.15", s.InsideAddress.ToString());
        Assert.Equal(NetworkWorld.HostAddress, s.OutsideAddress);
        Assert.Contains(r.Path, h => h.Device == "host" && h.Action.StartsWith("NAT 10.0.2.15"));
    }

    [Fact]
    public void SessionsTimeOut()
    {
        var w = Nat();
        Assert.True(w.TestConnection("web", "203.0.113.10", ProbeProtocol.Udp, 7).Success);
        Assert.Single(w.NatSessions());
        w.Sim.Advance(HostForwarding.TimeoutMicroseconds(IpProtocol.Udp) + 1);
        Assert.Empty(w.NatSessions());
    }

    [Fact]
    public void InboundOnlyThroughPortForward()
    {
        var w = Nat();
        var before = w.TestConnection("203.0.113.10", "192.168.1.10", ProbeProtocol.Tcp, 8080);
        Assert.Equal(ProbeStatus.Reset, before.Status);                  // the host itself has nothing on 8080
        w.AddPortForward("nat", IpProtocol.Tcp, 8080, "web", 80);
        var after = w.TestConnection("203.0.113.10", "192.168.1.10", ProbeProtocol.Tcp, 8080);
        Assert.True(after.Success, after.Status.ToString());
        Assert.Equal(NetworkWorld.HostAddress, after.ReplySource);        // the sender only ever sees the host
        Assert.Contains(after.Path, h => h.Device == "web" && h.Action.Contains("TCP echo"));
        var e = Assert.Throws<VirtPSException>(() => w.AddPortForward("nat", IpProtocol.Tcp, 8080, "web", 81));
        Assert.Equal("PortForwardExists", e.ErrorId);
        Assert.Single(w.PortForwards);
    }

    [Fact]
    public void TtlExpiresAtRouterWithTimeExceeded()
    {
        var w = Nat();
        var r = w.TestConnection("192.168.1.20", "203.0.113.10", ttl: 1);
        Assert.Equal(ProbeStatus.TimeExceeded, r.Status);
        Assert.Equal(NetworkWorld.GatewayAddress, r.ReplySource);
        var ok = w.TestConnection("192.168.1.20", "203.0.113.10", ttl: 2);
        Assert.True(ok.Success);
    }

    [Fact]
    public void ClosedUdpPortAnswersPortUnreachable()
    {
        var w = Nat();
        var r = w.TestConnection("192.168.1.20", "203.0.113.10", ProbeProtocol.Udp, 5555);
        Assert.Equal(ProbeStatus.DestinationUnreachable, r.Status);
        Assert.Equal(NetworkWorld.InternetHostAddress, r.ReplySource);
    }
}

public class NatIcmpErrorTests
{
    /// <summary>TTL 1 dies at the host (its vnet answers); TTL 2 dies at the LAN gateway, whose error is un-NATed back
    /// to the guest with the quoted header restored, so the guest can match it (traceroute through NAT).</summary>
    [Theory]
    [InlineData(ProbeProtocol.Icmp)]
    [InlineData(ProbeProtocol.Udp)]
    [InlineData(ProbeProtocol.Tcp)]
    public void TimeExceededReachesGuestThroughNat(ProbeProtocol proto)
    {
        var w = new NetworkWorld();
        w.NewNetwork("nat", NetworkMode.Nat);
        w.ConnectAdapter("web", "nat");
        var first = w.TestConnection("web", "203.0.113.10", proto, ttl: 1);
        Assert.Equal(ProbeStatus.TimeExceeded, first.Status);
        Assert.Equal("10.0.2.2", first.ReplySource.ToString());
        var second = w.TestConnection("web", "203.0.113.10", proto, ttl: 2);
        Assert.Equal(ProbeStatus.TimeExceeded, second.Status);
        Assert.Equal(NetworkWorld.GatewayAddress, second.ReplySource);
        Assert.Contains(second.Path, h => h.Device == "host" && h.Action.StartsWith("un-NAT ICMP error"));
        // the frame the guest received is valid on the wire: its outer checksums parse, and the quote names the guest
        var last = w.GetNetwork("nat").Capture.Frames.Select(f => FrameCodec.Parse(f.Data)).Last(r => r.Frame?.Ip?.Icmp?.Type == 11);
        Assert.True(last.Success);
        var quote = last.Frame!.Ip!.Icmp!.Data;
        Assert.Equal(0, Checksum.Compute(quote.AsSpan(0, 20)));
        Assert.Equal("10.0.2.15", Ipv4Address.Read(quote.AsSpan(12)).ToString());
        // the quoted transport header is byte for byte what the guest sent (ports, id, and the RFC 1624-updated checksum)
        var sent = w.GetNetwork("nat").Capture.Frames.Select(f => f.Data).Last(d => FrameCodec.Parse(d).Frame?.Ip is { Ttl: 2 } ip && ip.Source.ToString() == "10.0.2.15");
        Assert.Equal(sent.AsSpan(14 + 20, 8).ToArray(), quote.AsSpan(20, 8).ToArray());
    }
}

public class NatLifetimeTests
{
    [Fact]
    public void ClosedTcpMappingLingersOnlyForTimeWait()
    {
        var w = new NetworkWorld();
        w.NewNetwork("nat", NetworkMode.Nat);
        w.ConnectAdapter("web", "nat");
        Assert.True(w.TestConnection("web", "203.0.113.10", ProbeProtocol.Tcp).Success);
        var s = Assert.Single(w.NatSessions());
        Assert.Equal(IpProtocol.Tcp, s.Protocol);
        Assert.Equal(HostForwarding.TcpClosingTimeoutMicroseconds, s.ExpiresMicroseconds - s.LastUsedMicroseconds);
        w.Sim.Advance(HostForwarding.TcpClosingTimeoutMicroseconds + 1);
        Assert.Empty(w.NatSessions());
    }

    [Fact]
    public void DisconnectingGuestDropsItsPortForwards()
    {
        var w = new NetworkWorld();
        w.NewNetwork("nat", NetworkMode.Nat);
        var nic = w.ConnectAdapter("web", "nat");
        w.AddPortForward("nat", IpProtocol.Udp, 5353, "web", 7);
        Assert.True(w.TestConnection("192.168.1.20", "192.168.1.10", ProbeProtocol.Udp, 5353).Success);
        w.DisconnectAdapter(nic);
        Assert.Empty(w.PortForwards);
        Assert.Equal("GuestNotFound", Assert.Throws<VirtPS.Engine.VirtPSException>(() => w.AddPortForward("nat", IpProtocol.Udp, 5353, "web", 7)).ErrorId);
    }
}
