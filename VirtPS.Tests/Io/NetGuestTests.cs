using System.Diagnostics;
using VirtPS.Engine;
using VirtPS.Engine.Guests;
using VirtPS.Engine.Io;
using VirtPS.Engine.Io.Net;
using VirtPS.Engine.Network;
using VirtPS.Engine.Network.Frames;
using VirtPS.Engine.Styles;
using VirtPS.Tests.Network;
using Xunit;
using Xunit.Abstractions;

namespace VirtPS.Tests.Io;

/// <summary>Guests whose own kernels drive a NIC (NE2000, virtio-net, virtio-net assigned) on a virtual network: their
/// frames cross the network's switch, show in its capture, and reach the other guests and the network engine's nodes.</summary>
public class NetGuestTests(ITestOutputHelper output)
{
    const long Budget = 20_000_000;

    static Guest NewGuest(Lab lab, string name, string workload, VirtualizationStyle style, Dictionary<string, long> parameters, long iterations) =>
        lab.Create(new GuestSpec
        {
            Name = name, Kind = GuestImageKind.Workload, Workload = workload, Iterations = iterations, Style = style,
            WorkloadParameters = parameters, MemoryMB = 32,
        });

    static long HostNumber(NetworkAdapter nic) => nic.Address!.Value.Value & 0xFF;

    [TsharkTheory]
    [InlineData(IoMode.Emulated)]
    [InlineData(IoMode.Paravirtual)]
    [InlineData(IoMode.Passthrough)]
    public void TwoGuestsPingEachOtherAndTsharkSeesGoodEchoes(IoMode mode)
    {
        var lab = new Lab();
        var w = new NetworkWorld();
        w.NewNetwork("br", NetworkMode.Bridge);
        // Each pings the other; the address is known once the NIC is plugged in, so the workload is bound to it then.
        var a = NewGuest(lab, "a", "netping", VirtualizationStyle.Native, new() { ["Target"] = 101, ["Linger"] = 100 }, 4);
        var b = NewGuest(lab, "b", "netping", VirtualizationStyle.Native, new() { ["Target"] = 100, ["Linger"] = 100 }, 4);
        var na = a.AddNetworkAdapter(w, "br", mode);
        var nb = b.AddNetworkAdapter(w, "br", mode);
        Assert.Equal(100, HostNumber(na));
        Assert.Equal(101, HostNumber(nb));
        var sw = Stopwatch.StartNew();
        var r = HostScheduler.Run([a, b], Budget);
        output.WriteLine($"ran {r[0].Instructions} + {r[1].Instructions} instructions in {sw.ElapsedMilliseconds} ms");
        output.WriteLine(a.Machine.Console.Output + b.Machine.Console.Output);
        Assert.All(r, x => Assert.Equal(StopReason.Halt, x.StopReason));
        Assert.Contains("netping: 4 sent, 4 received", a.Machine.Console.Output);
        Assert.Contains("netping: 4 sent, 4 received", b.Machine.Console.Output);
        // The replies were built by each guest kernel's own receive path (no engine stack has these addresses).
        Assert.Equal(4UL, a.ReadKernelVariable("net_echo_served"));
        Assert.Equal(4UL, b.ReadKernelVariable("net_echo_served"));
        Assert.Equal(0UL, a.ReadKernelVariable("net_bad"));
        Assert.Equal(0, a.Machine.DecodeInvalidations);     // the driver's data and buffers are off its code pages
        // The guest that finished first answered the other's last echoes from its interrupt handler (net_serve waits with
        // interrupts on in the native build); net_irq acknowledged each interrupt it took.
        ulong irqs = a.ReadKernelVariable("net_irqs")!.Value + b.ReadKernelVariable("net_irqs")!.Value;
        output.WriteLine($"{mode}: NIC interrupts taken {irqs}; raised a {na.Counters.Interrupts}, b {nb.Counters.Interrupts}");
        Assert.True(irqs > 0, "no NIC interrupt was taken");

        var dir = Directory.CreateTempSubdirectory("virtps-netping");
        try
        {
            string file = Path.Combine(dir.FullName, "br.pcap");
            w.GetNetwork("br").Capture.Save(file);
            // One tshark pass: ICMP rows carry the first six fields, ARP rows the last three.
            var all = Tshark(file, "icmp or arp", "ip.src", "ip.dst", "icmp.type", "ip.checksum.status", "icmp.checksum.status", "_ws.malformed",
                "arp.opcode", "arp.src.proto_ipv4", "arp.dst.proto_ipv4");
            foreach (var row in all) output.WriteLine(string.Join(' ', row));
            var rows = all.Where(x => x[2] != "").ToList();
            var arp = all.Where(x => x.Length > 6 && x[6] != "").Select(x => x[6..]).ToList();
            string ia = na.Address!.ToString()!, ib = nb.Address!.ToString()!;
            Assert.Equal(4, rows.Count(x => x[0] == ia && x[1] == ib && x[2] == "8"));
            Assert.Equal(4, rows.Count(x => x[0] == ib && x[1] == ia && x[2] == "0"));
            Assert.Equal(4, rows.Count(x => x[0] == ib && x[1] == ia && x[2] == "8"));
            Assert.Equal(4, rows.Count(x => x[0] == ia && x[1] == ib && x[2] == "0"));
            Assert.Equal(16, rows.Count);
            // Wireshark's checksum status 1 is "good" (0 bad, 2 not checked): both checksums of every echo were verified.
            Assert.All(rows, x => { Assert.Equal("1", x[3]); Assert.Equal("1", x[4]); Assert.Equal("", x[5]); });
            // ARP (RFC 826): a request, and a reply to it; the asker's address is merged by the answerer, so one exchange can
            // serve both directions.
            var request = Assert.Single(arp, x => x[0] == "1" && arp.Any(y => y[0] == "2" && y[1] == x[2] && y[2] == x[1]));
            Assert.Contains(request[1], new[] { ia, ib });
        }
        finally { dir.Delete(true); }
    }

    static List<string[]> Tshark(string file, string filter, params string[] fields)
    {
        var psi = new ProcessStartInfo(TsharkTests.TsharkPath()!) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var x in new[] { "-n", "-r", file, "-o", "ip.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE", "-Y", filter, "-T", "fields", "-E", "separator=/t" })
            psi.ArgumentList.Add(x);
        foreach (var f in fields) { psi.ArgumentList.Add("-e"); psi.ArgumentList.Add(f); }
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        Assert.True(p.WaitForExit(60_000), "tshark did not finish");
        Assert.True(p.ExitCode == 0, "tshark failed: " + stderr.Result);
        return stdout.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split('\t')).ToList();
    }

    /// <summary>One netperf run to lanhost1's discard port: what the sink's port saw, and the NIC's intercepted accesses.</summary>
    (int Delivered, long DeviceExits, long IoExits, string Console) NetPerf(IoMode mode, long datagrams, int size)
    {
        var lab = new Lab();
        var w = new NetworkWorld();
        w.NewNetwork("br", NetworkMode.Bridge);
        var g = NewGuest(lab, "perf", "netperf", VirtualizationStyle.HardwareAssisted, new() { ["Target"] = 20, ["Port"] = 9, ["Size"] = size }, datagrams);
        var nic = g.AddNetworkAdapter(w, "br", mode);
        var r = HostScheduler.Run([g], Budget);
        Assert.Equal(StopReason.Halt, r[0].StopReason);
        var sink = w.Lan.Ports.Single(p => p.Name == "lanhost1.eth0");
        int delivered = sink.Capture.Frames.Count(f => FrameCodec.Parse(f.Data).Frame?.Ip?.Udp is { DestinationPort: 9 } u && u.Data.Length == size);
        var exits = ((HardwareAssisted)g.Vmm).Exits;
        return (delivered, nic.Counters.InterceptsBy.GetValueOrDefault("VmExit:IoInstruction"), exits.GetValueOrDefault(ExitReason.IoInstruction), g.Machine.Console.Output);
    }

    [Fact]
    public void NetperfDeliversEveryDatagramAndExitsFallFromEmulatedToPassthrough()
    {
        const int Small = 16, Large = 80, Size = 64;
        var perDatagram = new Dictionary<IoMode, double>();
        foreach (var mode in new[] { IoMode.Emulated, IoMode.Paravirtual, IoMode.Passthrough })
        {
            var s = NetPerf(mode, Small, Size);
            var l = NetPerf(mode, Large, Size);
            Assert.Equal(Small, s.Delivered);
            Assert.Equal(Large, l.Delivered);
            Assert.Contains($"netperf: {Large} datagrams of {Size} bytes sent", l.Console);
            // The data path's cost is what 64 more datagrams added: boot, probe and ARP are the same in both runs.
            double device = (l.DeviceExits - s.DeviceExits) / (double)(Large - Small);
            double io = (l.IoExits - s.IoExits) / (double)(Large - Small);
            perDatagram[mode] = device;
            output.WriteLine($"{mode,-12} IoInstruction exits per {Size}-byte datagram: {device:F2} at the NIC, {io:F2} in all " +
                             $"(whole run of {Large}: {l.DeviceExits} at the NIC, {l.IoExits} in all)");
        }
        Assert.True(perDatagram[IoMode.Emulated] > 20 * perDatagram[IoMode.Paravirtual], "emulated NE2000 should exit far more than virtio-net");
        Assert.InRange(perDatagram[IoMode.Paravirtual], 0.5, 2.5);
        Assert.Equal(0, perDatagram[IoMode.Passthrough]);
    }

    [Theory]
    [InlineData(VirtualizationStyle.Native, IoMode.Passthrough)]
    [InlineData(VirtualizationStyle.Emulation, IoMode.Emulated)]
    [InlineData(VirtualizationStyle.TrapAndEmulate, IoMode.Emulated)]
    [InlineData(VirtualizationStyle.BinaryTranslation, IoMode.Paravirtual)]
    [InlineData(VirtualizationStyle.HardwareAssisted, IoMode.Passthrough)]
    [InlineData(VirtualizationStyle.Paravirtual, IoMode.Paravirtual)]
    public void EveryStyleRunsNetping(VirtualizationStyle style, IoMode mode)
    {
        var lab = new Lab();
        var w = new NetworkWorld();
        w.NewNetwork("br", NetworkMode.Bridge);
        var g = NewGuest(lab, "a", "netping", style, new() { ["Target"] = 20, ["Linger"] = 1 }, 3);
        g.AddNetworkAdapter(w, "br", mode);
        var r = HostScheduler.Run([g], Budget);
        output.WriteLine(g.Machine.Console.Output);
        Assert.Equal(StopReason.Halt, r[0].StopReason);
        Assert.Contains("netping: 3 sent, 3 received", g.Machine.Console.Output);
    }

    [Fact]
    public void NetpingWithoutANicSaysSoAndExits()
    {
        var g = Guest.CreateWorkload("lonely", "netping", 2);
        var r = g.Step(5_000_000);
        Assert.Equal(StopReason.Halt, r.StopReason);
        Assert.Contains("netping: no network", g.Machine.Console.Output);
    }

    [TsharkFact]
    public void NetperfDatagramsCarryGoodUdpChecksums()
    {
        var lab = new Lab();
        var w = new NetworkWorld();
        w.NewNetwork("br", NetworkMode.Bridge);
        var g = NewGuest(lab, "perf", "netperf", VirtualizationStyle.Native, new() { ["Target"] = 20, ["Port"] = 9, ["Size"] = 333 }, 8);
        g.AddNetworkAdapter(w, "br", IoMode.Emulated);
        Assert.Equal(StopReason.Halt, HostScheduler.Run([g], Budget)[0].StopReason);
        var dir = Directory.CreateTempSubdirectory("virtps-netperf");
        try
        {
            string file = Path.Combine(dir.FullName, "lan.pcap");
            w.Lan.Capture.Save(file);     // the bridged guest's frames crossed the uplink onto the LAN
            var rows = Tshark(file, "udp", "ip.src", "ip.dst", "udp.dstport", "udp.length", "ip.checksum.status", "udp.checksum.status");
            Assert.Equal(8, rows.Count);
            Assert.All(rows, x => { Assert.Equal("192.168.1.20", x[1]); Assert.Equal("9", x[2]); Assert.Equal("341", x[3]); Assert.Equal("1", x[4]); Assert.Equal("1", x[5]); });
        }
        finally { dir.Delete(true); }
    }

    [Fact]
    public void GuestsOfDifferentStylesAndModesPingEachOther()
    {
        var lab = new Lab();
        var w = new NetworkWorld();
        w.NewNetwork("iso", NetworkMode.Isolated);
        var a = NewGuest(lab, "xen", "netping", VirtualizationStyle.Paravirtual, new() { ["Target"] = 102, ["Linger"] = 100 }, 3);
        var b = NewGuest(lab, "vmx", "netping", VirtualizationStyle.HardwareAssisted, new() { ["Target"] = 101, ["Linger"] = 100 }, 3);
        var na = a.AddNetworkAdapter(w, "iso", IoMode.Paravirtual);
        var nb = b.AddNetworkAdapter(w, "iso", IoMode.Emulated);
        Assert.Equal((101L, 102L), (HostNumber(na), HostNumber(nb)));     // Isolated: the network's own pool from .101
        var r = HostScheduler.Run([a, b], Budget);
        output.WriteLine(a.Machine.Console.Output + b.Machine.Console.Output);
        Assert.All(r, x => Assert.Equal(StopReason.Halt, x.StopReason));
        Assert.Contains("netping: 3 sent, 3 received", a.Machine.Console.Output);
        Assert.Contains("netping: 3 sent, 3 received", b.Machine.Console.Output);
        Assert.Equal(0UL, a.ReadKernelVariable("net_irqs"));    // the PARAVIRT kernel polls: its NIC's interrupts are disabled
        Assert.Equal(0, na.Counters.Interrupts);
    }

    /// <summary>The guest kernel pings the host's interface on the network in the modes that have one (vnetN: .2 under NAT,
    /// .1 otherwise), and a LAN machine when bridged: its frames reach the network engine's own stacks, which answer.</summary>
    [Theory]
    [InlineData(NetworkMode.Nat, 2)]
    [InlineData(NetworkMode.HostOnly, 1)]
    [InlineData(NetworkMode.Routed, 1)]
    [InlineData(NetworkMode.Bridge, 21)]
    public void NetpingReachesTheEngineNodeOfEachMode(NetworkMode networkMode, long target)
    {
        var lab = new Lab();
        var w = new NetworkWorld();
        w.NewNetwork("n", networkMode);
        var g = NewGuest(lab, "a", "netping", VirtualizationStyle.Native, new() { ["Target"] = target, ["Linger"] = 1 }, 2);
        var nic = g.AddNetworkAdapter(w, "n", IoMode.Paravirtual);
        output.WriteLine($"{networkMode}: guest {nic.Address}/{nic.PrefixLength}");
        Assert.Equal(StopReason.Halt, HostScheduler.Run([g], Budget)[0].StopReason);
        Assert.Contains("netping: 2 sent, 2 received", g.Machine.Console.Output);
    }
}
