using VirtPS.Engine;
using VirtPS.Engine.Network;
using VirtPS.Engine.Network.Capture;
using VirtPS.Engine.Network.Frames;
using VirtPS.Engine.Network.Switching;
using Xunit;

namespace VirtPS.Tests.Network;

public class TopologyTests(Xunit.Abstractions.ITestOutputHelper output)
{
    static string Id(Action a) => Assert.Throws<VirtPSException>(a).ErrorId;

    [Fact]
    public void BadInputLeavesNothingBehind()
    {
        var w = new NetworkWorld();
        w.NewNetwork("a", NetworkMode.HostOnly, "10.10.0.0/16");
        Assert.Equal("InvalidCidr", Id(() => w.NewNetwork("b", NetworkMode.HostOnly, "10.10.0.0/33")));
        Assert.Equal("SubnetOverlap", Id(() => w.NewNetwork("b", NetworkMode.HostOnly, "10.10.5.0/24")));
        Assert.Equal("SubnetOverlap", Id(() => w.NewNetwork("b", NetworkMode.Routed, "192.168.1.0/25")));
        Assert.Equal("NetworkExists", Id(() => w.NewNetwork("A", NetworkMode.Nat)));
        Assert.Single(w.Networks);
        Assert.Equal(2, w.Host.Interfaces.Count);            // pnet0 + vnet0 only
        Assert.Equal("NetworkNotFound", Id(() => w.ConnectAdapter("g", "nope")));
        Assert.Equal("NetworkNotFound", Id(() => w.SetMode("nope", NetworkMode.Nat)));
        var nic = w.ConnectAdapter("g", "a", "02:00:00:00:00:aa");
        Assert.Equal("DuplicateMacAddress", Id(() => w.ConnectAdapter("h", "a", "02:00:00:00:00:AA")));
        Assert.Equal("InvalidMacAddress", Id(() => w.ConnectAdapter("h", "a", "01:00:5e:00:00:01")));
        Assert.Equal("GuestNotFound", Id(() => w.GetGuestStack("h")));
        Assert.Equal("EndpointNotFound", Id(() => w.TestConnection("h", "host")));
        Assert.Equal("NotNatNetwork", Id(() => w.AddPortForward("a", IpProtocol.Tcp, 80, "g", 80)));
        Assert.Single(w.Adapters);
        Assert.Equal(nic, w.GetAdapters("G")[0]);
    }

    [Fact]
    public void RemoveNetworkDetachesEverything()
    {
        var w = new NetworkWorld();
        w.NewNetwork("n", NetworkMode.Nat);
        w.ConnectAdapter("g", "n");
        w.RemoveNetwork("n");
        Assert.Empty(w.Networks);
        Assert.Empty(w.Adapters);
        Assert.Single(w.Host.Interfaces);
        w.NewNetwork("n", NetworkMode.Nat);                  // its subnet is free again
        Assert.Equal("10.0.2.0/24", w.GetNetwork("n").Subnet.ToString());
    }

    [Fact]
    public void MalformedFramesAreDroppedWithAReason()
    {
        var w = new NetworkWorld();
        w.NewNetwork("n", NetworkMode.Isolated);
        var nic = w.ConnectAdapter("g", "n");
        var other = w.ConnectAdapter("h", "n");
        other.Port.Send(new byte[10]);                     // runt
        var bad = FrameCodec.Build(new EthernetFrame(nic.MacAddress, other.MacAddress, 0x0800,
            new Ipv4Packet(other.IPAddress!.Value, nic.IPAddress!.Value, 1, 64, 1, new IcmpMessage(8, 0, 1, 1, []))));
        bad[14 + 10] ^= 0x55;                              // break the header checksum
        other.Port.Send(bad);
        w.Sim.Run();
        Assert.Equal("bad IPv4 header checksum", w.GetGuestStack("g").LastDropReason);
    }

    [Fact]
    public void SwitchLearnsAndAges()
    {
        var w = new NetworkWorld();
        w.NewNetwork("n", NetworkMode.Isolated);
        w.ConnectAdapter("g", "n"); w.ConnectAdapter("h", "n");
        Assert.True(w.TestConnection("g", "h").Success);
        var sw = w.GetNetwork("n").Switch;
        Assert.Equal(2, sw.MacTable.Count);
        Assert.True(sw.FramesForwarded > 0);
        w.Sim.Advance(LearningSwitch.DefaultAgeingMicroseconds + 1);
        Assert.Empty(sw.MacTable);
    }

    [Fact]
    public void PcapHeaderAndRecords()
    {
        var w = new NetworkWorld();
        w.NewNetwork("n", NetworkMode.Isolated);
        w.ConnectAdapter("g", "n"); w.ConnectAdapter("h", "n");
        w.TestConnection("g", "h");
        var ms = new MemoryStream();
        w.GetNetwork("n").Capture.WriteTo(ms);
        var b = ms.ToArray();
        Assert.Equal(new byte[] { 0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0 }, b[..8]);
        Assert.Equal(1, BitConverter.ToInt32(b, 20));      // LINKTYPE_ETHERNET
        Assert.Equal(4, w.GetNetwork("n").Capture.Frames.Count);     // ARP who-has, is-at, echo request, echo reply
        int len = BitConverter.ToInt32(b, 24 + 8);
        Assert.Equal(42, len);                              // an ARP request: 14 + 28 bytes
    }

    [Fact]
    public void BridgeBenchForwardsEveryFrame()
    {
        var r = NetworkWorld.BridgeThroughput(200_000);
        Assert.Equal(200_000, r.FramesDelivered);
        Assert.True(r.FramesPerSecond > 0);
        output.WriteLine($"bridge: {r.FramesPerSecond:N0} frames/s (informational; never asserted)");
    }
}
