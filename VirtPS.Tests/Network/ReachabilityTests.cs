using VirtPS.Engine.Network;
using Xunit;

namespace VirtPS.Tests.Network;

/// <summary>Every cell of the matrix, for every mode, against the modes' definitions (issue 6). Endpoints: guests a and b
/// on the network under test, guest c on a separate HostOnly network, the host, LAN host 192.168.1.20, internet host 203.0.113.10.</summary>
public class ReachabilityTests
{
    const string L = "192.168.1.20", I = "203.0.113.10";
    static readonly string[] All = { "a", "b", "c", "host", L, I };

    internal static NetworkWorld World(NetworkMode mode)
    {
        var w = new NetworkWorld();
        w.NewNetwork("n", mode);
        w.NewNetwork("other", NetworkMode.HostOnly);
        w.ConnectAdapter("a", "n");
        w.ConnectAdapter("b", "n");
        w.ConnectAdapter("c", "other");
        return w;
    }

    /// <summary>The definition: which ordered pairs answer.</summary>
    static bool Expected(NetworkMode mode, string from, string to, bool routeAdded = false)
    {
        bool Guest(string x) => x is "a" or "b";
        var pair = new HashSet<string> { from, to };
        if (pair.SetEquals(new[] { "a", "b" })) return true;
        if (pair.Contains("c")) return pair.Contains("host");                       // HostOnly: c talks to the host only
        if (!Guest(from) && !Guest(to)) return true;                                 // host, LAN and internet route to each other
        var peer = Guest(from) ? to : from;
        bool outbound = Guest(from);
        return mode switch
        {
            NetworkMode.Isolated => false,
            NetworkMode.HostOnly => peer == "host",
            NetworkMode.Routed => peer == "host" || routeAdded,
            NetworkMode.Nat => peer == "host" || outbound,
            NetworkMode.Bridge => true,
            _ => throw new ArgumentOutOfRangeException(nameof(mode)),
        };
    }

    static void AssertMatrix(NetworkWorld w, NetworkMode mode, bool routeAdded = false)
    {
        var cells = w.GetReachability("n");
        Assert.Equal(30, cells.Count);
        foreach (var c in cells)
            Assert.True(Expected(mode, c.From, c.To, routeAdded) == c.Success,
                $"{mode}: {c.From} -> {c.To} ({c.TargetAddress}) expected {Expected(mode, c.From, c.To, routeAdded)}, got {c.Status}");
        Assert.Equal(All.Length * (All.Length - 1), cells.Select(c => (c.From, c.To)).Distinct().Count());
    }

    [Theory]
    [InlineData(NetworkMode.Isolated)]
    [InlineData(NetworkMode.HostOnly)]
    [InlineData(NetworkMode.Routed)]
    [InlineData(NetworkMode.Nat)]
    [InlineData(NetworkMode.Bridge)]
    public void MatrixMatchesModeDefinition(NetworkMode mode) => AssertMatrix(World(mode), mode);

    /// <summary>Routed: the LAN and the internet reach the guests once the gateway routes their subnet to pnet0.</summary>
    [Fact]
    public void RoutedReachableAfterStaticRouteOnGateway()
    {
        var w = World(NetworkMode.Routed);
        Assert.False(w.TestConnection(L, "a").Success);
        w.Gateway.AddRoute(w.GetNetwork("n").Subnet, NetworkWorld.HostAddress);
        AssertMatrix(w, NetworkMode.Routed, routeAdded: true);
    }

    /// <summary>One world, one set of guests: each Set-VNetwork changes the matrix to the new mode's.</summary>
    [Fact]
    public void ChangingModeLiveChangesMatrix()
    {
        var w = World(NetworkMode.Isolated);
        var nic = w.GetAdapters("a")[0];
        foreach (var mode in new[] { NetworkMode.Nat, NetworkMode.Bridge, NetworkMode.HostOnly, NetworkMode.Isolated })
        {
            w.SetMode("n", mode);
            Assert.Same(nic, w.GetAdapters("a")[0]);
            AssertMatrix(w, mode);
        }
        Assert.Equal(NetworkWorld.LanSubnet.Network.Value, WithBridge(w).Value & 0xFFFFFF00);
    }

    static Engine.Network.Frames.Ipv4Address WithBridge(NetworkWorld w)
    {
        w.SetMode("n", NetworkMode.Bridge);
        return w.GetAdapters("a")[0].IPAddress!.Value;
    }
}
