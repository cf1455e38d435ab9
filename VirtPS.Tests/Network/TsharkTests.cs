using System.Diagnostics;
using VirtPS.Engine.Network;
using VirtPS.Engine.Network.Stack;
using Xunit;

namespace VirtPS.Tests.Network;

/// <summary>A fact that runs only where tshark (Debian package "tshark") is on PATH, and says why it skipped otherwise.</summary>
public sealed class TsharkFactAttribute : FactAttribute
{
    public TsharkFactAttribute()
    {
        if (TsharkTests.TsharkPath() is null) Skip = "tshark is not installed (apt-get install tshark)";
    }
}

/// <summary>Captures from a NAT run, read back by an independent dissector.</summary>
public class TsharkTests
{
    internal static string? TsharkPath()
        => (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Select(d => Path.Combine(d, "tshark")).FirstOrDefault(File.Exists);

    /// <summary>Each IP packet as "src dst ipsum udpsum tcpsum icmpsum", checksum validation turned on.</summary>
    static List<string[]> Dissect(string file)
    {
        var psi = new ProcessStartInfo(TsharkPath()!)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (var a in new[] { "-n", "-r", file, "-o", "ip.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE",
                     "-Y", "ip", "-T", "fields", "-E", "separator=/t", "-e", "ip.src", "-e", "ip.dst", "-e", "ip.checksum.status",
                     "-e", "udp.checksum.status", "-e", "tcp.checksum.status", "-e", "icmp.checksum.status", "-e", "_ws.malformed" })
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        Assert.True(p.WaitForExit(60_000), "tshark did not finish");
        Assert.True(p.ExitCode == 0, "tshark failed: " + stderr.Result);
        return stdout.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split('\t')).ToList();
    }

    [TsharkFact]
    public void NatCaptureHasGoodChecksumsAndTranslatedAddresses()
    {
        var w = new NetworkWorld();
        w.NewNetwork("nat", NetworkMode.Nat);
        w.ConnectAdapter("web", "nat");
        w.GetNetwork("nat").Capture.Start();       // from here on: the probes only, not the DHCP exchange
        w.Lan.Capture.Start();
        foreach (var proto in new[] { ProbeProtocol.Icmp, ProbeProtocol.Udp, ProbeProtocol.Tcp })
            Assert.True(w.TestConnection("web", "203.0.113.10", proto).Success);
        var dir = Directory.CreateTempSubdirectory("virtps-pcap");
        try
        {
            var guestSide = Path.Combine(dir.FullName, "nat.pcap");
            var hostSide = Path.Combine(dir.FullName, "lan.pcap");
            w.GetNetwork("nat").Capture.Save(guestSide);
            w.Lan.Capture.Save(hostSide);
            var inside = Dissect(guestSide);
            var outside = Dissect(hostSide);
            Assert.True(inside.Count >= 10, $"{inside.Count} packets inside");   // 2 ICMP + 2 UDP + at least 6 TCP
            Assert.Equal(inside.Count, outside.Count);
            foreach (var row in inside.Concat(outside))
            {
                // Wireshark's checksum status: 1 = good (0 bad, 2 unverified); every present field must be good.
                foreach (var status in row.Skip(2).Take(4).Where(s => s.Length > 0)) Assert.Equal("1", status);
                Assert.True(row.Length < 7 || row[6].Length == 0, "malformed packet");
            }
            Assert.All(inside.Concat(outside), r => Assert.Equal("1", r[2]));      // the IPv4 header checksum was verified, not skipped
            Assert.Contains(outside, r => r[3] == "1");                           // and so were UDP's
            Assert.Contains(outside, r => r[4] == "1");                           // TCP's
            Assert.Contains(outside, r => r[5] == "1");                           // ICMP's
            Assert.All(inside, r => Assert.Contains("10.0.2.15", new[] { r[0], r[1] }));
            Assert.All(outside, r => Assert.Contains("192.168.1.10", new[] { r[0], r[1] }));
            Assert.DoesNotContain(outside, r => r[0] == "10.0.2.15" || r[1] == "10.0.2.15");
        }
        finally { dir.Delete(true); }
    }
}
