using VirtPS.Engine.Network;
using VirtPS.Engine.Network.Frames;
using Xunit;

namespace VirtPS.Tests.Network;

public class DhcpTests
{
    [Fact]
    public void MessageRoundTrips()
    {
        var m = new DhcpMessage(DhcpMessage.BootReply, 0xdeadbeef, Ipv4Address.Any, Ipv4Address.Parse("10.0.2.15"),
            MacAddress.Parse("02:56:50:00:00:01"), DhcpMessageType.Ack, ServerId: Ipv4Address.Parse("10.0.2.2"),
            SubnetMask: Ipv4Address.Parse("255.255.255.0"), Router: Ipv4Address.Parse("10.0.2.2"), LeaseSeconds: 86400);
        var b = m.ToBytes();
        Assert.Equal(new byte[] { 99, 130, 83, 99 }, b[236..240]);      // RFC 2131's magic cookie
        Assert.Equal(m, DhcpMessage.Parse(b));
        Assert.Null(DhcpMessage.Parse(b.AsSpan(0, 200)));
    }

    /// <summary>A bridged guest's DISCOVER crosses the bridge uplink to the LAN, and the gateway's server answers it.</summary>
    [Fact]
    public void BridgedGuestLeasesFromLanGatewayOverTheWire()
    {
        var w = new NetworkWorld();
        w.NewNetwork("br", NetworkMode.Bridge);
        int trace = w.Sim.TraceCount;
        var nic = w.ConnectAdapter("g", "br");
        Assert.Equal("192.168.1.100", nic.IPAddress.ToString());
        var log = w.Sim.TraceSince(trace);
        Assert.Contains(log, h => h.Device == "gateway" && h.Action.StartsWith("DHCPOFFER 192.168.1.100"));
        Assert.Contains(log, h => h.Device == "gateway" && h.Action.StartsWith("DHCPACK 192.168.1.100"));
        var types = w.Lan.Capture.Frames.Select(f => FrameCodec.Parse(f.Data).Frame?.Ip?.Udp)
            .Where(u => u is { DestinationPort: 67 or 68 }).Select(u => DhcpMessage.Parse(u!.Data)!.Type).ToList();
        Assert.Equal(new[] { DhcpMessageType.Discover, DhcpMessageType.Offer, DhcpMessageType.Request, DhcpMessageType.Ack }, types);
        Assert.Contains(w.GetGuestStack("g").Routes, r => r.Destination.PrefixLength == 0 && r.Gateway == NetworkWorld.GatewayAddress);
    }
}
