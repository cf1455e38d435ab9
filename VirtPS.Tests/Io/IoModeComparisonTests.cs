using VirtPS.Engine;
using VirtPS.Engine.Guests;
using VirtPS.Engine.Io;
using Xunit;
using Xunit.Abstractions;

namespace VirtPS.Tests.Io;

/// <summary>
/// The IO chapter's comparison, counted from the guest kernel's own drivers: under HardwareAssisted an emulated ATA disk
/// exits on every register access, virtio-blk about once per batch, an assigned device never on its data path; cycles per
/// KiB fall in that order; without EVENT_IDX the device notifies the driver per request instead of per batch; and where the
/// backend runs (hypervisor, service domain, host OS) shows as counted, priced switches.
/// </summary>
public class IoModeComparisonTests(ITestOutputHelper output)
{
    static IReadOnlyList<IoModeComparisonRow> Rows(string workload, IEnumerable<IoModel>? models = null, IEnumerable<IoMode>? modes = null, bool eventIdx = true) =>
        IoModeComparison.Run(workload, [VirtualizationStyle.HardwareAssisted], models ?? [IoModel.Autonomous], modes, sizeMB: 2, eventIdx: eventIdx).ToList();

    void Print(IEnumerable<IoModeComparisonRow> rows)
    {
        output.WriteLine($"{"workload",-10}{"model",-11}{"mode",-12}{"requests",9}{"exits/req",11}{"notif/req",11}{"irq/req",9}{"dom sw",8}{"world sw",9}{"cycles/KiB",12}{"ratio",8}");
        foreach (var r in rows)
            output.WriteLine($"{r.Workload,-10}{r.IoModel,-11}{r.Mode,-12}{r.Requests,9}{r.ExitsPerRequest,11:F2}{r.NotificationsPerRequest,11:F3}{r.InterruptsPerRequest,9:F3}{r.DomainSwitches,8}{r.WorldSwitches,9}{r.CyclesPerKiB,12:F0}{r.RatioToPassthrough,8:F2}");
    }

    [Theory]
    [InlineData("diskread")]
    [InlineData("diskwrite")]
    public void ExitsAndCyclesPerKiBFollowTheModes(string workload)
    {
        var rows = Rows(workload);
        Print(rows);
        var em = rows.Single(r => r.Mode == IoMode.Emulated);
        var pv = rows.Single(r => r.Mode == IoMode.Paravirtual);
        var pt = rows.Single(r => r.Mode == IoMode.Passthrough);
        Assert.All(rows, r => Assert.Equal(2L << 20, r.Bytes));   // every byte of the 2 MiB disk moved
        Assert.True(em.ExitsPerRequest >= 10 * pv.ExitsPerRequest, $"emulated {em.ExitsPerRequest} vs paravirtual {pv.ExitsPerRequest} exits per request");
        Assert.True(pv.ExitsPerRequest > 0);
        Assert.Equal(0, pt.ExitsPerRequest);
        Assert.True(em.CyclesPerKiB > pv.CyclesPerKiB && pv.CyclesPerKiB > pt.CyclesPerKiB,
            $"cycles per KiB: {em.CyclesPerKiB} > {pv.CyclesPerKiB} > {pt.CyclesPerKiB}");
        Assert.Equal(1.0, pt.RatioToPassthrough);
    }

    [Fact]
    public void NetperfExitsAndCyclesPerKiBFollowTheModes()
    {
        var rows = IoModeComparison.Run("netperf", [VirtualizationStyle.HardwareAssisted], [IoModel.Autonomous], datagrams: 300).ToList();
        Print(rows);
        var em = rows.Single(r => r.Mode == IoMode.Emulated);
        var pv = rows.Single(r => r.Mode == IoMode.Paravirtual);
        var pt = rows.Single(r => r.Mode == IoMode.Passthrough);
        Assert.All(rows, r => Assert.Contains("300 datagrams", r.Output));
        Assert.True(em.ExitsPerRequest >= 10 * pv.ExitsPerRequest, $"emulated {em.ExitsPerRequest} vs paravirtual {pv.ExitsPerRequest} exits per frame");
        Assert.Equal(0, pt.ExitsPerRequest);
        Assert.True(em.CyclesPerKiB > pv.CyclesPerKiB && pv.CyclesPerKiB > pt.CyclesPerKiB,
            $"cycles per KiB: {em.CyclesPerKiB} > {pv.CyclesPerKiB} > {pt.CyclesPerKiB}");
    }

    [Fact]
    public void WithoutEventIdxTheDeviceNotifiesPerRequest()
    {
        var on = Rows("diskread", modes: [IoMode.Paravirtual]).Single();
        var off = Rows("diskread", modes: [IoMode.Paravirtual], eventIdx: false).Single();
        Print([on, off]);
        output.WriteLine($"EVENT_IDX off: {off.NotificationsPerRequest / on.NotificationsPerRequest:F1}x the notifications per request");
        Assert.Equal(on.Requests, off.Requests);
        Assert.True(off.NotificationsPerRequest > 2 * on.NotificationsPerRequest);
    }

    [Fact]
    public void TheDriverModelsCountAndPriceTheirSwitches()
    {
        var rows = Rows("diskread", [IoModel.Autonomous, IoModel.Hybrid, IoModel.Hosted], [IoMode.Emulated, IoMode.Paravirtual]);
        Print(rows);
        foreach (var mode in new[] { IoMode.Emulated, IoMode.Paravirtual })
        {
            var a = rows.Single(r => r.Mode == mode && r.IoModel == IoModel.Autonomous);
            var h = rows.Single(r => r.Mode == mode && r.IoModel == IoModel.Hybrid);
            var o = rows.Single(r => r.Mode == mode && r.IoModel == IoModel.Hosted);
            Assert.Equal((0L, 0L), (a.DomainSwitches, a.WorldSwitches));
            // Each backend request is one switch: at least one per intercepted access of the disk (the console and the boot
            // probe add theirs), the same number under both models.
            Assert.True(h.DomainSwitches >= (long)Math.Round(h.ExitsPerRequest * h.Requests));
            Assert.Equal(0, h.WorldSwitches);
            Assert.Equal(h.DomainSwitches, o.WorldSwitches);
            Assert.Equal(0, o.DomainSwitches);
            // Priced by the cost model: the difference in cycles is exactly the switches times their price.
            var model = Engine.Costs.CostModel.Default;
            Assert.Equal(h.DomainSwitches * model.Cycles(Engine.Costs.CostEvent.DomainSwitch), h.Cycles - a.Cycles, 3);
            Assert.Equal(o.WorldSwitches * model.Cycles(Engine.Costs.CostEvent.WorldSwitch), o.Cycles - a.Cycles, 3);
        }
    }
}
