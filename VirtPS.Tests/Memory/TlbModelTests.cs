using VirtPS.Engine.Cpu;
using VirtPS.Engine.Guests;
using VirtPS.Engine.Memory;
using VirtPS.Engine.Styles;
using Xunit;
using Xunit.Abstractions;

namespace VirtPS.Tests.Memory;

public class TlbModelTests(ITestOutputHelper output)
{
    static Guest Run(Guest g)
    {
        var r = g.Step(2_000_000_000);
        Assert.True(r.StopReason == StopReason.Halt, $"{r.StopReason}: {g.LastException}\n{g.Machine.Console.Output}");
        return g;
    }

    /// <summary>Two processes sweep 64 pages each and yield: without PCIDs every CR3 load flushes the TLB and each sweep
    /// walks its pages again; with PCIDs (the kernel tags each process) the entries survive the switches.</summary>
    [Fact]
    public void PcidCutsTheMissesAfterContextSwitches()
    {
        long Misses(bool pcid)
        {
            var g = Run(Guest.CreateWorkload("s", "tlbswitch", 200, 2, pcid: pcid));
            var t = g.Machine.Cpu.Caches.Tlb;
            output.WriteLine($"PCID {(pcid ? "on " : "off")}: STLB misses {t.StlbMisses}, L1 DTLB {t.L1DataHits} hits / {t.L1DataMisses} misses, walks {g.Machine.Cpu.PageWalks}, flushes {t.Flushes}, CR4.PCIDE {(g.Machine.Cpu.Cr4 >> 17) & 1}");
            return t.StlbMisses;
        }
        long off = Misses(false), on = Misses(true);
        Assert.True(on * 10 <= off, $"PCID on: {on} misses, off: {off}");
    }

    /// <summary>Under nested paging a cold miss with no walk caches makes the full 2-D walk's 24 references; with the
    /// walk caches and the nested TLB a real workload's walks make far fewer.</summary>
    [Fact]
    public void WalkCachesCutTheReferencesOfNestedWalks()
    {
        double PerWalk(bool caches)
        {
            var g = Guest.CreateWorkload("n", "tlbstride", 4, 1, style: VirtualizationStyle.HardwareAssisted, paging: MemoryVirtualization.Nested,
                parameters: new Dictionary<string, long> { ["Pages"] = 2048 });
            g.WalkCaches = caches; g.NestedTlb = caches;
            Run(g);
            var cpu = g.Machine.Cpu;
            double perWalk = (double)cpu.TlbMissReferences / cpu.PageWalks;
            output.WriteLine($"walk caches {(caches ? "on " : "off")}: {cpu.PageWalks} walks, {cpu.TlbMissReferences} references, {perWalk:F2} per walk");
            return perWalk;
        }
        Assert.True(PerWalk(true) < 8);
        Assert.True(PerWalk(false) > 20);
    }

    /// <summary>Guest-physical mappings are tagged by the EPT they came from (EP4TA, Intel SDM Vol. 3C, 28.3.1): two
    /// nested-paging guests time-sliced on one physical CPU each keep theirs in the nested TLB across the other's turns,
    /// tagged host or not (VM transitions drop only linear and combined mappings, 28.3.3.3), and a single-context
    /// INVEPT for one guest's EPT leaves the other's.</summary>
    [Theory]
    [InlineData(TlbTagging.Vpid)]
    [InlineData(TlbTagging.None)]
    public void NestedTlbEntriesCarryTheirEptsContext(TlbTagging tagging)
    {
        var lab = new Lab();
        var host = lab.AddHost("cpu", physicalCpus: 1);
        host.Update(tlbTagging: tagging, quantum: 3000);
        var guests = new[] { 1, 2 }.Select(i =>
        {
            var g = Guest.CreateWorkload($"n{i}", "tlbstride", 3, style: VirtualizationStyle.HardwareAssisted,
                parameters: new Dictionary<string, long> { ["Pages"] = 8 });
            lab.Add(g, host);
            return g;
        }).ToList();
        HostScheduler.Run(guests, 20_000);
        Assert.True(guests.Sum(g => g.WorldSwitchesIn) > 2);
        var nested = host.Cpus[0].Caches.Nested;
        Assert.Equal([guests[0].Vpid, guests[1].Vpid], nested.Entries().Select(e => e.Context).Distinct().Order());

        // Guest 1's VMM remaps its EPT (2 MiB pages): an INVEPT of its context only.
        ((HardwareAssisted)guests[0].Vmm).EptPageSize = ExtendedPageTables.LargePageSize;
        Assert.Equal([guests[1].Vpid], nested.Entries().Select(e => e.Context).Distinct());
    }
}
