using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using VirtPS.Engine;
using VirtPS.Engine.Guests;
using VirtPS.Engine.Io;
using VirtPS.Engine.Io.Block;
using VirtPS.Engine.Styles;
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
    /// <summary>Sectors of the test image: 1 MiB, 16 batches of 16 requests. The Emulation style interprets every
    /// instruction (about 0.4 million a second here), so it reads a 64 KiB image.</summary>
    const int Sectors = 2048, EmulationSectors = 128;

    static byte[] RandomImage(int sectors)
    {
        var bytes = new byte[sectors * 512];
        new Random(13 + sectors).NextBytes(bytes);
        return bytes;
    }

    /// <summary>Why Python's zlib cannot be the oracle here, or null: probed once.</summary>
    internal static readonly Lazy<string?> PythonMissing = new(() =>
    {
        try { return PythonCrc32(new byte[1]) == "d202ef8d" ? null : "python3's zlib.crc32 gave an unexpected value"; }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        { return "python3 is not available: " + e.Message; }
    });

    /// <summary>zlib.crc32 of <paramref name="bytes"/> by python3, as 8 lowercase hex digits.</summary>
    static string PythonCrc32(byte[] bytes)
    {
        string path = Path.Combine(Path.GetTempPath(), "virtps-crc-" + Guid.NewGuid().ToString("N"));
        try
        {
            File.WriteAllBytes(path, bytes);
            var psi = new ProcessStartInfo("python3") { RedirectStandardOutput = true, RedirectStandardError = true };
            psi.ArgumentList.Add("-c");
            psi.ArgumentList.Add("import sys, zlib; print('%08x' % zlib.crc32(open(sys.argv[1], 'rb').read()))");
            psi.ArgumentList.Add(path);
            using var p = Process.Start(psi)!;
            string text = p.StandardOutput.ReadToEnd().Trim();
            string err = p.StandardError.ReadToEnd();
            p.WaitForExit();
            if (p.ExitCode != 0 || !Regex.IsMatch(text, "^[0-9a-f]{8}$")) throw new InvalidOperationException($"python3 failed ({p.ExitCode}): {err}");
            return text;
        }
        finally { File.Delete(path); }
    }

    public static TheoryData<VirtualizationStyle, IoMode> ReadCases() => new()
    {
        { VirtualizationStyle.HardwareAssisted, IoMode.Emulated },
        { VirtualizationStyle.HardwareAssisted, IoMode.Paravirtual },
        { VirtualizationStyle.HardwareAssisted, IoMode.Passthrough },
        { VirtualizationStyle.Native, IoMode.Emulated },
        { VirtualizationStyle.Native, IoMode.Paravirtual },
        { VirtualizationStyle.Emulation, IoMode.Emulated },
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
        int sectors = style == VirtualizationStyle.Emulation ? EmulationSectors : Sectors;
        var image = RandomImage(sectors);
        string crc = PythonCrc32(image);
        var run = RunDisk("diskread", style, mode, image);
        var m = Regex.Match(run.Console, @"diskread: (\d+) sectors, crc32=0x([0-9a-f]{8})\n");
        Assert.True(m.Success, run.Console);
        Assert.Equal(sectors.ToString(CultureInfo.InvariantCulture), m.Groups[1].Value);
        Assert.Equal(crc, m.Groups[2].Value);
        var s = VirtPS.Engine.Guests.Kernel.ParseSummary(run.Console)!;
        var w = Workload.Find("diskread")!;
        Assert.Equal(w.ExpectedSyscalls(1, 1) + Workload.DiskTransferCalls(sectors), s.Syscalls);
        Assert.Equal(w.ExpectedPageFaults(1, 1), s.PageFaults);
        // ATA counts commands: the boot's IDENTIFY DEVICE too
        Assert.Equal(sectors / 8 + (mode == IoMode.Emulated ? 1 : 0), run.Disk.Counters.Requests);
        Assert.Equal((long)sectors * 512, run.Disk.Counters.Bytes);
        Assert.Equal(0, run.Guest.Machine.DecodeInvalidations);
        output.WriteLine($"{style}/{mode}: {run.Guest.Machine.Cpu.Retired:N0} instructions, {run.Elapsed.TotalMilliseconds:F0} ms; " +
            $"{run.Disk.Counters.Requests} requests, {run.Disk.Counters.Intercepts} intercepts, {run.Disk.Counters.Notifications} kicks, {run.Disk.Counters.Interrupts} interrupts");
    }

    public static TheoryData<VirtualizationStyle, IoMode> WriteCases() => new()
    {
        { VirtualizationStyle.HardwareAssisted, IoMode.Emulated },
        { VirtualizationStyle.HardwareAssisted, IoMode.Paravirtual },
        { VirtualizationStyle.HardwareAssisted, IoMode.Passthrough },
        { VirtualizationStyle.Paravirtual, IoMode.Paravirtual },
        { VirtualizationStyle.TrapAndEmulate, IoMode.Passthrough },
    };

    [Theory]
    [MemberData(nameof(WriteCases))]
    public void DiskwriteLeavesEverySectorHoldingItsNumber(VirtualizationStyle style, IoMode mode)
    {
        var run = RunDisk("diskwrite", style, mode, RandomImage(Sectors));
        Assert.Contains($"diskwrite: {Sectors} sectors, flushed\n", run.Console);
        Assert.Equal(Sectors * 512, run.After.Length);
        for (int n = 0; n < Sectors; n++)
            for (int k = 0; k < 64; k++)
                Assert.True(BitConverter.ToUInt64(run.After, n * 512 + 8 * k) == (ulong)n, $"sector {n}, quadword {k}");
        var s = VirtPS.Engine.Guests.Kernel.ParseSummary(run.Console)!;
        var w = Workload.Find("diskwrite")!;
        Assert.Equal(w.ExpectedSyscalls(1, 1) + Workload.DiskTransferCalls(Sectors) + 1, s.Syscalls);   // + blk_flush
        Assert.Equal(w.ExpectedPageFaults(1, 1), s.PageFaults);
        output.WriteLine($"{style}/{mode}: {run.Guest.Machine.Cpu.Retired:N0} instructions, {run.Elapsed.TotalMilliseconds:F0} ms; " +
            $"{run.Disk.Counters.Requests} requests, {run.Disk.Counters.Intercepts} intercepts, {run.Disk.Counters.Notifications} kicks, {run.Disk.Counters.Interrupts} interrupts");
    }

    /// <summary>The disk's intercepted register accesses and the VMM's IO-instruction exits of a run, less those of the
    /// kernel's boot probe (the same guest and disk running compute, which never touches the disk).</summary>
    static (long Intercepts, long IoExits, Run Run) DataPath(string workload, IoMode mode, bool eventIdx = true)
    {
        var run = RunDisk(workload, VirtualizationStyle.HardwareAssisted, mode, RandomImage(Sectors), eventIdx);
        var boot = RunDisk("compute", VirtualizationStyle.HardwareAssisted, mode, RandomImage(Sectors), eventIdx);
        long Exits(Run r) => r.Guest.Vmm.Events.Count(GuestEvent.VmExit, (int)ExitReason.IoInstruction);
        return (run.Disk.Counters.Intercepts - boot.Disk.Counters.Intercepts, Exits(run) - Exits(boot), run);
    }

    [Fact]
    public void UnderHardwareAssistedParavirtualExitsFarLessPerRequestThanEmulatedAndPassthroughNotAtAll()
    {
        const long requests = Sectors / 8;
        var emulated = DataPath("diskread", IoMode.Emulated);
        var paravirtual = DataPath("diskread", IoMode.Paravirtual);
        var passthrough = DataPath("diskread", IoMode.Passthrough);
        foreach (var (name, d) in new[] { ("Emulated", emulated), ("Paravirtual", paravirtual), ("Passthrough", passthrough) })
            output.WriteLine($"{name}: {d.Intercepts} disk intercepts and {d.IoExits} IO-instruction exits for {requests} requests " +
                $"({(double)d.Intercepts / requests:F3} per request); {d.Run.Disk.Counters.Notifications} kicks, {d.Run.Disk.Counters.Interrupts} interrupts");
        Assert.True(emulated.Intercepts >= 10 * paravirtual.Intercepts, $"{emulated.Intercepts} vs {paravirtual.Intercepts}");
        Assert.True(paravirtual.Intercepts > 0);
        // the console's bytes exit too, and both print a line of the same length: the disk's share is all the difference
        Assert.Equal(emulated.Intercepts - paravirtual.Intercepts, emulated.IoExits - paravirtual.IoExits);
        Assert.Equal(0, passthrough.Intercepts);
        Assert.Equal(paravirtual.IoExits - paravirtual.Intercepts, passthrough.IoExits);
        // one kick and one interrupt (read of the ISR) per 64 KiB batch of 16 requests
        Assert.Equal(Workload.DiskTransferCalls(Sectors), paravirtual.Run.Disk.Counters.Notifications);
        Assert.Equal(2 * Workload.DiskTransferCalls(Sectors), paravirtual.Intercepts);
    }

    [Fact]
    public void WithoutEventIdxTheDeviceInterruptsPerRequestAndWithItOncePerBatch()
    {
        var on = RunDisk("diskread", VirtualizationStyle.HardwareAssisted, IoMode.Paravirtual, RandomImage(Sectors), eventIdx: true);
        var off = RunDisk("diskread", VirtualizationStyle.HardwareAssisted, IoMode.Paravirtual, RandomImage(Sectors), eventIdx: false);
        long batches = Workload.DiskTransferCalls(Sectors), requests = Sectors / 8;
        output.WriteLine($"EVENT_IDX on: {on.Disk.Counters.Notifications} kicks, {on.Disk.Counters.Interrupts} interrupts, {on.Disk.Counters.InterruptsSuppressed} suppressed; " +
            $"off: {off.Disk.Counters.Notifications} kicks, {off.Disk.Counters.Interrupts} interrupts, {off.Disk.Counters.InterruptsSuppressed} suppressed; " +
            $"injections {on.Guest.Vmm.Events[GuestEvent.Injection]} vs {off.Guest.Vmm.Events[GuestEvent.Injection]}");
        Assert.Equal(batches, on.Disk.Counters.Interrupts);
        Assert.Equal(requests - batches, on.Disk.Counters.InterruptsSuppressed);
        Assert.Equal(requests, off.Disk.Counters.Interrupts);
        Assert.Equal(0, off.Disk.Counters.InterruptsSuppressed);
        Assert.Equal(batches, on.Disk.Counters.Notifications);
        Assert.Equal(batches, off.Disk.Counters.Notifications);
    }
}
