using VirtPS.Engine;
using VirtPS.Engine.Network;
using VirtPS.Engine.Network.Frames;
using VirtPS.Engine.Network.Stack;
using Xunit;

namespace VirtPS.Tests.Network;

public class SendTests
{
    static NetworkWorld Run()
    {
        var w = new NetworkWorld();
        w.NewNetwork("nat", NetworkMode.Nat);
        w.NewNetwork("br", NetworkMode.Bridge);
        w.ConnectAdapter("a", "nat"); w.ConnectAdapter("b", "br");
        w.TestConnection("a", "203.0.113.10", ProbeProtocol.Tcp);
        w.TestConnection("b", "192.168.1.21", ProbeProtocol.Udp);
        w.SetMode("nat", NetworkMode.Routed);
        w.AddRoute("gateway", w.GetNetwork("nat").Subnet.ToString(), "192.168.1.10");
        w.TestConnection("203.0.113.10", "a");
        return w;
    }

    /// <summary>Same inputs, same bytes: simulated time and fixed identifiers make captures reproducible.</summary>
    [Fact]
    public void RunsAreDeterministic()
    {
        byte[] Pcap(NetworkWorld w) { var m = new MemoryStream(); w.Lan.Capture.WriteTo(m); return m.ToArray(); }
        var x = Run(); var y = Run();
        Assert.True(x.Lan.Capture.Frames.Count > 20);
        Assert.Equal(Pcap(x), Pcap(y));
        Assert.Equal(x.Sim.Now, y.Sim.Now);
    }

    [Fact]
    public void AdapterCaptureSeesOnlyItsOwnTraffic()
    {
        var w = new NetworkWorld();
        w.NewNetwork("n", NetworkMode.HostOnly);
        var a = w.ConnectAdapter("a", "n"); var b = w.ConnectAdapter("b", "n"); var c = w.ConnectAdapter("c", "n");
        a.Port.Capture.Start(); c.Port.Capture.Start();
        Assert.True(w.TestConnection("a", "b").Success);
        // a sees its ARP request, the reply, its echo request and the echo reply; c sees only the flooded ARP broadcast
        Assert.Equal(4, a.Port.Capture.Frames.Count);
        var seenByC = Assert.Single(c.Port.Capture.Frames);
        Assert.True(FrameCodec.Parse(seenByC.Data).Frame!.Destination.IsBroadcast);
    }

    [Fact]
    public void RawAndUdpSends()
    {
        var w = new NetworkWorld();
        w.NewNetwork("n", NetworkMode.Isolated);
        w.ConnectAdapter("a", "n"); w.ConnectAdapter("b", "n");
        var path = w.SendFrame("a", new byte[5]);
        Assert.Contains(path, h => h.Action.Contains("raw frame of 5 bytes"));
        var udp = w.SendUdp("a", "b", 7, "hi"u8.ToArray());
        Assert.Contains(udp, h => h.Device == "b" && h.Action.StartsWith("UDP echo 2 bytes"));
        Assert.Equal("EndpointNotFound", Assert.Throws<VirtPSException>(() => w.SendUdp("zz", "b", 7, [])).ErrorId);
        Assert.Equal("GatewayUnreachable", Assert.Throws<VirtPSException>(() => w.AddRoute("gateway", "10.0.0.0/8", "172.16.0.1")).ErrorId);
    }
}

public class TimingTests
{
    /// <summary>Each switch crossing costs the switch's link delay (5 us on a virtual network): the first ping pays for
    /// ARP (two crossings) plus the echo (two), the second only for the echo; captures carry those simulated times.</summary>
    [Fact]
    public void RoundTripIsCountedInLinkDelays()
    {
        var w = new NetworkWorld();
        w.NewNetwork("n", NetworkMode.Isolated);
        w.ConnectAdapter("a", "n"); w.ConnectAdapter("b", "n");
        Assert.Equal(20, w.TestConnection("a", "b").RoundTripMicroseconds);
        Assert.Equal(10, w.TestConnection("a", "b").RoundTripMicroseconds);
        var t = w.GetNetwork("n").Capture.Frames.Select(f => f.TimeMicroseconds).ToList();
        Assert.Equal(t.Order(), t);
        Assert.Equal(5, t[1] - t[0]);
    }
}
