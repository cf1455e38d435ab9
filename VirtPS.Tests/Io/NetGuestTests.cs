using VirtPS.Engine;
using VirtPS.Engine.Guests;
using VirtPS.Engine.Io;
using VirtPS.Engine.Io.Net;
using VirtPS.Engine.Network;
using Xunit;
using Xunit.Abstractions;

namespace VirtPS.Tests.Io;

/// <summary>Guests whose own kernels drive a NIC (NE2000, virtio-net, virtio-net assigned) on a virtual network.</summary>
public class NetGuestTests(ITestOutputHelper output)
{
    static Guest NewGuest(Lab lab, string name, string workload, VirtualizationStyle style, Dictionary<string, long> parameters, long iterations) =>
        lab.Create(new GuestSpec
        {
            Name = name, Kind = GuestImageKind.Workload, Workload = workload, Iterations = iterations, Style = style,
            WorkloadParameters = parameters, MemoryMB = 32,
        });

    [Fact]
    public void NetpingReachesALanHost()
    {
        foreach (var mode in new[] { IoMode.Emulated, IoMode.Paravirtual, IoMode.Passthrough })
        {
            var lab = new Lab();
            var w = new NetworkWorld();
            w.NewNetwork("br", NetworkMode.Bridge);
            var g = NewGuest(lab, "a", "netping", VirtualizationStyle.Native, new() { ["Target"] = 20, ["Linger"] = 1 }, 3);
            var nic = g.AddNetworkAdapter(w, "br", mode);
            var r = HostScheduler.Run([g], 20_000_000);
            output.WriteLine($"{mode}: {r[0].StopReason} {r[0].Instructions}\n{g.Machine.Console.Output}");
            Assert.Contains("netping: 3 sent, 3 received", g.Machine.Console.Output);
        }
    }
}
