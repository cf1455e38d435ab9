using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using VirtPS.Engine;
using VirtPS.Engine.Guests;
using VirtPS.Engine.Io;
using VirtPS.Engine.Io.Block;
using VirtPS.Engine.Trace;
using Xunit;
using Xunit.Abstractions;

namespace VirtPS.Tests.Io;

/// <summary>
/// The kernel's block drivers end to end: the diskread and diskwrite workloads on a real image file, in every IO mode
/// and under every CPU style, checked against an independent CRC-32 (Python's zlib) and the image's bytes.
/// </summary>
public sealed class DiskWorkloadTests(ITestOutputHelper output)
{
    /// <summary>Sectors of the test image: 1 MiB, 16 batches of 16 requests.</summary>
    const int Sectors = 2048;
    static readonly Lazy<byte[]> Image = new(() =>
    {
        var bytes = new byte[Sectors * 512];
        new Random(13).NextBytes(bytes);
        return bytes;
    });

    /// <summary>CRC-32 of <see cref="Image"/> by Python's zlib.crc32, computed once, or null with the reason.</summary>
    internal static readonly Lazy<(string? Crc, string? Reason)> PythonCrc = new(() =>
    {
        string path = Path.Combine(Path.GetTempPath(), "virtps-crc-" + Guid.NewGuid().ToString("N"));
        try
        {
            File.WriteAllBytes(path, Image.Value);
            var psi = new ProcessStartInfo("python3") { RedirectStandardOutput = true, RedirectStandardError = true };
            psi.ArgumentList.Add("-c");
            psi.ArgumentList.Add("import sys, zlib; print('%08x' % zlib.crc32(open(sys.argv[1], 'rb').read()))");
            psi.ArgumentList.Add(path);
            using var p = Process.Start(psi)!;
            string text = p.StandardOutput.ReadToEnd().Trim();
            string err = p.StandardError.ReadToEnd();
            p.WaitForExit();
            return p.ExitCode == 0 && Regex.IsMatch(text, "^[0-9a-f]{8}$") ? (text, null) : (null, $"python3 failed ({p.ExitCode}): {err}");
        }
        catch (System.ComponentModel.Win32Exception e) { return (null, "python3 is not installed: " + e.Message); }
        finally { File.Delete(path); }
    });

    public static TheoryData<VirtualizationStyle, IoMode> ReadCases() => new()
    {
        { VirtualizationStyle.HardwareAssisted, IoMode.Emulated },
        { VirtualizationStyle.HardwareAssisted, IoMode.Paravirtual },
        { VirtualizationStyle.HardwareAssisted, IoMode.Passthrough },
        { VirtualizationStyle.Native, IoMode.Emulated },
        { VirtualizationStyle.Native, IoMode.Paravirtual },
        { VirtualizationStyle.Emulation, IoMode.Paravirtual },
        { VirtualizationStyle.TrapAndEmulate, IoMode.Emulated },
        { VirtualizationStyle.BinaryTranslation, IoMode.Passthrough },
        { VirtualizationStyle.Paravirtual, IoMode.Paravirtual },
        { VirtualizationStyle.Paravirtual, IoMode.Emulated },
    };

    sealed record Run(Guest Guest, Disk Disk, string Console, TimeSpan Elapsed, byte[] After);

    static Run RunDisk(string workload, VirtualizationStyle style, IoMode mode, byte[] image, bool eventIdx = true, int processes = 1)
    {
        using var dir = new AtaTempDirectory();
        string path = dir.File("disk.img");
        File.WriteAllBytes(path, image);
        var g = Guest.CreateWorkload("d", workload, processes: processes, style: style);
        var disk = g.AddDisk(path, null, mode, eventIdx: eventIdx);
        var clock = Stopwatch.StartNew();
        var r = g.Step(100_000_000);
        clock.Stop();
        Assert.True(r.StopReason == StopReason.Halt, $"{r.StopReason}: {g.LastException}\n{g.Machine.Console.Output}");
        disk.SyncCounters();
        g.CloseDevices();
        return new Run(g, disk, g.Machine.Console.Output, clock.Elapsed, File.ReadAllBytes(path));
    }

    [PythonZlibTheory]
    [MemberData(nameof(ReadCases))]
    public void DiskreadPrintsTheCrcPythonComputes(VirtualizationStyle style, IoMode mode)
    {
        string crc = PythonCrc.Value.Crc!;
        var run = RunDisk("diskread", style, mode, Image.Value);
        var m = Regex.Match(run.Console, @"diskread: (\d+) sectors, crc32=0x([0-9a-f]{8})\n");
        Assert.True(m.Success, run.Console);
        Assert.Equal(Sectors.ToString(CultureInfo.InvariantCulture), m.Groups[1].Value);
        Assert.Equal(crc, m.Groups[2].Value);
        var s = VirtPS.Engine.Guests.Kernel.ParseSummary(run.Console)!;
        Assert.Equal(4 + Workload.DiskTransferCalls(Sectors), s.Syscalls);
        Assert.Equal(18, s.PageFaults);
        // ATA counts commands: the boot's IDENTIFY DEVICE too
        Assert.Equal(Sectors / 8 + (mode == IoMode.Emulated ? 1 : 0), run.Disk.Counters.Requests);
        Assert.Equal((long)Sectors * 512, run.Disk.Counters.Bytes);
        output.WriteLine($"{style}/{mode}: {run.Guest.Machine.Cpu.Retired:N0} instructions, {run.Elapsed.TotalMilliseconds:F0} ms; " +
            $"{run.Disk.Counters.Requests} requests, {run.Disk.Counters.Intercepts} intercepts, {run.Disk.Counters.Notifications} kicks, {run.Disk.Counters.Interrupts} interrupts");
    }
}
