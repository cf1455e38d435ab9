using VirtPS.Engine;
using VirtPS.Engine.Guests;
using VirtPS.Engine.Io;
using VirtPS.Engine.Network;
using Xunit;

namespace VirtPS.Tests.Io;

/// <summary>A NIC's mode changed while the guest is stopped: the kernel finds the new hardware (the ISA card's ether= goes
/// from the command line with it) and pings the LAN host through it; while the guest runs the change is refused.</summary>
public class NicModeChangeTests
{
    [Theory]
    [InlineData(IoMode.Emulated, IoMode.Paravirtual)]
    [InlineData(IoMode.Paravirtual, IoMode.Emulated)]
    public void TheKernelDrivesTheNicInItsNewMode(IoMode first, IoMode then)
    {
        var lab = new Lab();
        var w = new NetworkWorld();
        w.NewNetwork("br", NetworkMode.Bridge);
        var g = lab.Create(new GuestSpec { Name = "a", Kind = GuestImageKind.Workload, Workload = "netping", Iterations = 2,
            WorkloadParameters = new Dictionary<string, long> { ["Target"] = 20, ["Linger"] = 1 }, MemoryMB = 32 });
        var nic = g.AddNetworkAdapter(w, "br", first);
        g.SetDeviceMode(nic.Name, then);
        Assert.Equal(then == IoMode.Emulated, BootInfo.Read(g.Machine.Memory).Contains("ether="));
        var r = HostScheduler.Run([g], 50_000_000);
        Assert.Equal(StopReason.Halt, r[0].StopReason);
        Assert.Contains(then == IoMode.Emulated ? "NE2000" : "virtio-net", g.Machine.Console.Output, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("netping: 2 sent, 2 received", g.Machine.Console.Output);
    }

    /// <summary>A new mode is new hardware: the NE2000 that replaced a virtio-net NIC has sent nothing, so its doorbells
    /// (one TXP per frame) start at zero, whatever the virtio-net card sent before.</summary>
    [Fact]
    public void TheNe2000CountsOnlyItsOwnFramesAfterAModeChange()
    {
        var lab = new Lab();
        var w = new NetworkWorld();
        w.NewNetwork("br", NetworkMode.Bridge);
        var g = lab.Create(new GuestSpec { Name = "a", Kind = GuestImageKind.Workload, Workload = "netping", Iterations = 2,
            WorkloadParameters = new Dictionary<string, long> { ["Target"] = 20, ["Linger"] = 1 }, MemoryMB = 32 });
        var nic = g.AddNetworkAdapter(w, "br", IoMode.Paravirtual);
        Assert.Equal(StopReason.Halt, HostScheduler.Run([g], 50_000_000)[0].StopReason);
        nic.SyncCounters();
        Assert.True(nic.Virtio!.FramesSent >= 2, $"virtio-net sent {nic.Virtio.FramesSent} frames");
        g.SetDeviceMode(nic.Name, IoMode.Emulated);
        nic.SyncCounters();
        Assert.Equal(0, nic.Ne2000!.FramesSent);
        Assert.Equal(0, nic.Counters.Notifications);
        Assert.Equal(0, nic.Counters.Requests);
    }
}
