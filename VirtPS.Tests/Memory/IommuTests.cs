using VirtPS.Engine.Memory;
using VirtPS.Engine.Memory.Iommu;
using Xunit;

namespace VirtPS.Tests.Memory;

/// <summary>
/// The VT-d DMA-remapping unit against the Intel VT-d specification (legacy mode): root entries (§9.1), context entries
/// (§9.3), second-level paging entries (§9.8), the fault reasons of §7's table and the fault recording registers. Tables
/// built through the API are read back by a walker written here from the entry formats alone, and DMA through
/// <see cref="IommuDma"/> is checked against full snapshots of host memory.
/// </summary>
public class IommuTests
{
    const ulong MiB = 1UL << 20;

    /// <summary>What the spec's entry formats say a request of <c>source</c> at <c>iova</c> resolves to.</summary>
    sealed record SpecResult(ulong ContextLow, ulong ContextHigh, ulong? Hpa, bool R, bool W, ulong PageSize, ulong LeafEntry);

    /// <summary>
    /// A second walker, written from the spec and not from the engine: reads 64-bit little-endian words of host table
    /// memory. Root entry: P bit 0, CTP bits 63:12. Context entry: P bit 0, FPD bit 1, TT bits 3:2, SLPTPTR bits 63:12;
    /// AW bits 66:64, DID bits 87:72. Second-level entry: R bit 0, W bit 1, PS bit 7, address bits 63:12 (below HAW).
    /// Null when the root or context entry is not present.
    /// </summary>
    static SpecResult? SpecWalk(IommuUnit unit, SourceId source, ulong iova)
    {
        ulong Q(ulong hpa) => BitConverter.ToUInt64(unit.TableMemory.Read(hpa - IommuUnit.TablesBase, 8));
        const ulong addr = 0x0000_3FFF_FFFF_F000;   // bits 45:12 (HAW 46)
        ulong rootSlot = (unit.RootTableAddress & ~0xFFFUL) + 16UL * source.Bus;
        ulong rlo = Q(rootSlot);
        Assert.Equal(0UL, Q(rootSlot + 8));                              // bits 127:64 reserved in legacy mode
        if ((rlo & 1) == 0) return null;
        Assert.Equal(0UL, rlo & 0xFFE);                                  // bits 11:1 reserved
        ulong ctxSlot = (rlo & addr) + 16UL * (ulong)(source.Device * 8 + source.Function);
        ulong clo = Q(ctxSlot), chi = Q(ctxSlot + 8);
        if ((clo & 1) == 0) return null;
        int levels = (chi & 7) switch { 1 => 3, 2 => 4, var aw => throw new Xunit.Sdk.XunitException($"AW {aw}") };
        ulong table = clo & addr;
        bool r = true, w = true;
        for (int level = levels; level >= 1; level--)
        {
            int shift = 12 + 9 * (level - 1);
            ulong e = Q(table + 8 * ((iova >> shift) & 511));
            if ((e & 3) == 0) return new SpecResult(clo, chi, null, false, false, 0, e);
            r &= (e & 1) != 0; w &= (e & 2) != 0;
            if (level == 1 || (level == 2 && (e & 0x80) != 0))
            {
                ulong size = 1UL << shift;
                return new SpecResult(clo, chi, (e & addr & ~(size - 1)) + (iova & (size - 1)), r, w, size, e);
            }
            table = e & addr;
        }
        throw new InvalidOperationException();
    }

    static Dictionary<ulong, byte[]> Snapshot(PhysicalMemory m)
    {
        var s = new Dictionary<ulong, byte[]>();
        for (ulong pfn = 0; pfn < m.Size >> 12; pfn++)
            if (m.IsResident(pfn)) s[pfn] = (byte[])m.Frame(pfn).Clone();
        return s;
    }

    static void AssertSame(Dictionary<ulong, byte[]> before, PhysicalMemory m)
    {
        var after = Snapshot(m);
        Assert.Equal(before.Keys.Order(), after.Keys.Order());
        foreach (var (pfn, bytes) in before) Assert.True(bytes.AsSpan().SequenceEqual(after[pfn]), $"host frame 0x{pfn:X} changed");
    }

    static byte[] Pattern(int n, int seed) => Enumerable.Range(0, n).Select(i => (byte)(i * 7 + seed)).ToArray();

    static readonly SourceId Nic = new(0, 3, 0), Disk = new(2, 31, 7);

    [Fact]
    public void TablesBuiltThroughTheApiMatchTheSpecEntryFormats()
    {
        var u = new IommuUnit();
        var d7 = u.CreateDomain(7, IommuAddressWidth.Bits48);
        var d9 = u.CreateDomain(0x1234, IommuAddressWidth.Bits39);
        u.Map(d7, 0x1000, 0x0123_4000, 0x3000, read: true, write: true);
        u.Map(d7, 0x8000_0000_00, 0x0555_5000, 0x1000, read: true, write: false);       // 2^39: needs the 4th level
        u.Map(d7, 0x20_0000, 0x40_0000, 2 * MiB, read: true, write: true);              // one 2 MiB super-page
        u.Map(d9, 0x7FFF_F000, 0x10_0000, 0x1000, read: false, write: true);
        u.Attach(d7, Nic.Bus, Nic.Device, Nic.Function);
        u.Attach(d9, Disk, faultProcessingDisable: true);

        // Root entries: present exactly for buses 0 and 2.
        for (int bus = 0; bus < 256; bus++)
        {
            ulong lo = BitConverter.ToUInt64(u.TableMemory.Read(u.RootTableAddress - IommuUnit.TablesBase + 16UL * (ulong)bus, 8));
            Assert.Equal(bus is 0 or 2, (lo & 1) != 0);
        }
        // Context entries: P, FPD, TT = 00b, AW, DID, SLPTPTR.
        var nic = SpecWalk(u, Nic, 0x1000)!;
        Assert.Equal(1UL, nic.ContextLow & 1);
        Assert.Equal(0UL, (nic.ContextLow >> 1) & 1);
        Assert.Equal(0UL, (nic.ContextLow >> 2) & 3);
        Assert.Equal(2UL, nic.ContextHigh & 7);                      // 48-bit AGAW
        Assert.Equal(7UL, (nic.ContextHigh >> 8) & 0xFFFF);
        Assert.Equal(d7.PageTableRoot, nic.ContextLow & ~0xFFFUL);
        var disk = SpecWalk(u, Disk, 0x7FFF_F000)!;
        Assert.Equal(1UL, (disk.ContextLow >> 1) & 1);                 // FPD
        Assert.Equal(1UL, disk.ContextHigh & 7);                      // 39-bit AGAW
        Assert.Equal(0x1234UL, (disk.ContextHigh >> 8) & 0xFFFF);
        Assert.Equal(d9.PageTableRoot, disk.ContextLow & ~0xFFFUL);
        // Devices not attached, on a present and an absent root entry.
        Assert.Null(SpecWalk(u, new SourceId(0, 4, 0), 0x1000));
        Assert.Null(SpecWalk(u, new SourceId(1, 0, 0), 0x1000));

        // Second-level entries: addresses, rights and page sizes as mapped; the engine's translation agrees.
        (SourceId Src, ulong Iova, ulong Hpa, bool R, bool W, ulong Size)[] expect =
        [
            (Nic, 0x1000, 0x0123_4000, true, true, 0x1000), (Nic, 0x3ABC, 0x0123_6ABC, true, true, 0x1000),
            (Nic, 0x8000_0000_10, 0x0555_5010, true, false, 0x1000),
            (Nic, 0x20_0000, 0x40_0000, true, true, 2 * MiB), (Nic, 0x3F_FFFF, 0x5F_FFFF, true, true, 2 * MiB),
            (Disk, 0x7FFF_F008, 0x10_0008, false, true, 0x1000),
        ];
        foreach (var (src, iova, hpa, r, w, size) in expect)
        {
            var s = SpecWalk(u, src, iova)!;
            Assert.Equal(hpa, s.Hpa);
            Assert.Equal((r, w, size), (s.R, s.W, s.PageSize));
            Assert.Equal(size == 2 * MiB, (s.LeafEntry & 0x80) != 0);
            var t = u.Translate(src, iova, w ? AccessKind.Write : AccessKind.Read);
            Assert.True(t.Succeeded, t.Fault?.ToString());
            Assert.Equal((hpa, size), (t.HostAddress, t.PageSize));
        }
        foreach (ulong hole in new ulong[] { 0, 0x4000, 0x40_0000, 0x8000_0000_00 + 0x1000 })
            Assert.Null(SpecWalk(u, Nic, hole)!.Hpa);
        Assert.Equal([Nic], d7.Devices);
        Assert.Equal(0x3000 + 0x1000 + 2 * MiB, d7.MappedBytes);
    }

    [Fact]
    public void MappedDmaReachesExactlyTheMappedHostFrames()
    {
        var host = new PhysicalMemory(64 * MiB);
        var u = new IommuUnit();
        var d = u.CreateDomain(1, IommuAddressWidth.Bits39);
        // Three consecutive IOVA pages scattered over host memory.
        u.Map(d, 0x10000, 0x30_0000, 0x1000, true, true);
        u.Map(d, 0x11000, 0x10_5000, 0x1000, true, true);
        u.Map(d, 0x12000, 0x2F_F000, 0x1000, true, true);
        u.Attach(d, Nic);
        var dma = new IommuDma(u, Nic, host);

        var data = Pattern(3 * 4096 - 100, 3);
        long before = u.Translations;
        Assert.True(dma.Write(0x10000 + 50, data));
        Assert.Equal(3, u.Translations - before);                      // one translation per page crossed
        Assert.Equal(new ulong[] { 0x105, 0x2FF, 0x300 }, Snapshot(host).Keys.Order());
        Assert.Equal(data[..(4096 - 50)], host.Read(0x30_0000 + 50, 4096 - 50));
        Assert.Equal(data[(4096 - 50)..(8192 - 50)], host.Read(0x10_5000, 4096));
        Assert.Equal(data[(8192 - 50)..], host.Read(0x2F_F000, 4096 - 50));
        Assert.All(host.Read(0x30_0000, 50), b => Assert.Equal(0, b));
        Assert.All(host.Read(0x2F_F000 + 4096 - 50, 50), b => Assert.Equal(0, b));

        var back = new byte[data.Length];
        Assert.True(dma.Read(0x10000 + 50, back));
        Assert.Equal(data, back);
        Assert.Equal(0, u.Faults);
    }

    [Fact]
    public void DmaToAnUnmappedIovaFaultsAndLeavesHostMemoryIdentical()
    {
        var host = new PhysicalMemory(64 * MiB);
        for (ulong a = 0; a < 8 * MiB; a += 0x3000) host.Write(a, Pattern(64, (int)(a >> 12)));
        var u = new IommuUnit();
        var d = u.CreateDomain(3, IommuAddressWidth.Bits48);
        u.Map(d, 0x40_0000, 0x20_0000, 0x1000, true, true);           // 0x401000 is not mapped
        u.Attach(d, Nic);
        var dma = new IommuDma(u, Nic, host);
        var snap = Snapshot(host);

        // A write whose first page is mapped and second is not: refused whole, nothing written.
        Assert.False(dma.Write(0x40_0F00, Pattern(0x200, 9)));
        AssertSame(snap, host);
        var f = dma.LastFault!;
        Assert.Equal(DmaFaultReason.WriteNotPermitted, f.Reason);    // 5h: a not-present SL entry denies the write
        Assert.Equal(5, f.Code);
        Assert.Equal(0x40_1000UL, f.Iova);
        Assert.Equal(Nic, f.Source);
        Assert.Equal(AccessKind.Write, f.Access);

        var into = new byte[16];
        Assert.False(dma.Read(0x50_0000, into));
        Assert.Equal(DmaFaultReason.ReadNotPermitted, dma.LastFault!.Reason);   // 6h
        Assert.False(dma.Write(0x7F_FFFF_F000, Pattern(8, 1)));
        AssertSame(snap, host);
        Assert.Equal(3, u.Faults);
        Assert.Equal([0x40_1000UL, 0x50_0000, 0x7F_FFFF_F000], u.FaultLog.Pending.Select(x => x.Iova));
    }

    [Fact]
    public void WriteToAReadOnlyMappingFaultsWithTheWriteReason()
    {
        var host = new PhysicalMemory(16 * MiB);
        host.Write(0x9000, Pattern(4096, 5));
        var u = new IommuUnit();
        var d = u.CreateDomain(2, IommuAddressWidth.Bits39);
        u.Map(d, 0x1000, 0x9000, 0x1000, read: true, write: false);
        u.Attach(d, Disk);
        var dma = new IommuDma(u, Disk, host);
        var snap = Snapshot(host);

        var buf = new byte[4096];
        Assert.True(dma.Read(0x1000, buf));
        Assert.Equal(Pattern(4096, 5), buf);
        Assert.False(dma.Write(0x1010, [1, 2, 3]));
        AssertSame(snap, host);
        Assert.Equal(DmaFaultReason.WriteNotPermitted, dma.LastFault!.Reason);

        // The fault recording register as the spec lays it out: FI, SID, FR, T (0 = write), F.
        var (lo, hi) = u.FaultLog.Raw(0);
        Assert.Equal(0x1000UL, lo);
        Assert.Equal((ulong)Disk.Value, hi & 0xFFFF);
        Assert.Equal(0x02FFUL, hi & 0xFFFF);                          // bus 02, device 1f, function 7
        Assert.Equal(5UL, (hi >> 32) & 0xFF);
        Assert.Equal(0UL, (hi >> 62) & 1);
        Assert.Equal(1UL, hi >> 63);
        // And a write-only page refuses reads with 6h, recorded with T = 1.
        u.Map(d, 0x2000, 0xA000, 0x1000, read: false, write: true);
        Assert.False(dma.Read(0x2000, buf.AsSpan(0, 8)));
        Assert.Equal(DmaFaultReason.ReadNotPermitted, dma.LastFault!.Reason);
        Assert.Equal(1UL, (u.FaultLog.Raw(1).High >> 62) & 1);
    }

    [Fact]
    public void ADeviceWithoutAContextEntryFaultsContextNotPresent()
    {
        var u = new IommuUnit();
        var d = u.CreateDomain(1, IommuAddressWidth.Bits39);
        u.Map(d, 0, 0x10_0000, 0x1000, true, true);
        u.Attach(d, Nic);
        var t = u.Translate(new SourceId(0, 4, 0), 0, AccessKind.Read);   // same bus, other device
        Assert.Equal(DmaFaultReason.ContextEntryNotPresent, t.Fault!.Reason);
        Assert.Equal(2, t.Fault.Code);

        Assert.True(u.Translate(Nic, 0, AccessKind.Read).Succeeded);
        u.Detach(Nic);
        Assert.True(u.Translate(Nic, 0, AccessKind.Read).Succeeded);  // the context cache still holds it ...
        u.InvalidateContextCache(Nic);
        u.InvalidateIotlb(d);
        Assert.Equal(DmaFaultReason.ContextEntryNotPresent, u.Translate(Nic, 0, AccessKind.Read).Fault!.Reason);  // ... until invalidated
    }

    [Fact]
    public void ADeviceOnABusWithoutARootEntryFaultsRootNotPresent()
    {
        var host = new PhysicalMemory(16 * MiB);
        var u = new IommuUnit();
        var d = u.CreateDomain(1, IommuAddressWidth.Bits39);
        u.Map(d, 0, 0x10_0000, 0x1000, true, true);
        u.Attach(d, Nic);
        var stranger = new IommuDma(u, new SourceId(5, 0, 0), host);
        var snap = Snapshot(host);
        Assert.False(stranger.Write(0, [1, 2, 3, 4]));
        AssertSame(snap, host);
        Assert.Equal(DmaFaultReason.RootEntryNotPresent, stranger.LastFault!.Reason);
        Assert.Equal(1, stranger.LastFault.Code);
        Assert.Equal("05:00.0", stranger.LastFault.Source.ToString());
    }

    [Fact]
    public void AnIovaBeyondTheAddressWidthFaults()
    {
        var u = new IommuUnit();
        var narrow = u.CreateDomain(1, IommuAddressWidth.Bits39);
        var wide = u.CreateDomain(2, IommuAddressWidth.Bits48);
        u.Map(wide, 1UL << 39, 0x10_0000, 0x1000, true, true);
        u.Attach(narrow, Nic);
        u.Attach(wide, Disk);
        Assert.Throws<ArgumentOutOfRangeException>(() => u.Map(narrow, 1UL << 39, 0x10_0000, 0x1000, true, true));

        var t = u.Translate(Nic, 1UL << 39, AccessKind.Read);
        Assert.Equal(DmaFaultReason.AddressBeyondAgaw, t.Fault!.Reason);
        Assert.Equal(4, t.Fault.Code);
        Assert.Equal(2, t.References);                               // root and context entries, no second-level walk
        Assert.True(u.Translate(Disk, 1UL << 39, AccessKind.Read).Succeeded);
        Assert.Equal(DmaFaultReason.AddressBeyondAgaw, u.Translate(Disk, 1UL << 48, AccessKind.Write).Fault!.Reason);
    }

    [Fact]
    public void TwoMiBSuperPagesMapAndTranslateWhole()
    {
        var host = new PhysicalMemory(64 * MiB);
        var u = new IommuUnit();
        var d = u.CreateDomain(1, IommuAddressWidth.Bits48);
        u.Map(d, 0x4000_0000, 0x60_0000, 4 * MiB, true, true);       // two super-pages
        u.Map(d, 0x8000_0000, 0x140_0000, 2 * MiB, true, true, superPages: false);   // 512 small pages
        u.Attach(d, Nic);

        var s = SpecWalk(u, Nic, 0x403F_FFFF)!;
        Assert.Equal((2 * MiB, 0x9F_FFFFUL), (s.PageSize, s.Hpa!.Value));
        Assert.NotEqual(0UL, s.LeafEntry & 0x80);
        Assert.Equal(0x1000UL, SpecWalk(u, Nic, 0x8000_1000)!.PageSize);

        var cold = u.Translate(Nic, 0x4000_1234, AccessKind.Read);
        Assert.Equal((0x60_1234UL, 2 * MiB, 5), (cold.HostAddress, cold.PageSize, cold.References));   // root, context, 3 SL levels
        var small = u.Translate(Nic, 0x8000_0000, AccessKind.Read);
        Assert.Equal(4, small.References);                          // context cached now; 4 SL levels
        Assert.True(u.Translate(Nic, 0x401F_F000, AccessKind.Read).IotlbHit);   // same super-page, one IOTLB entry

        var dma = new IommuDma(u, Nic, host);
        long before = u.Translations;
        var data = Pattern(64, 11);
        Assert.True(dma.Write(0x401F_FFE0, data));                    // crosses from the first super-page into the second
        Assert.Equal(2, u.Translations - before);
        Assert.Equal(data, host.Read(0x7F_FFE0, 64));
        Assert.Equal(new ulong[] { 0x7FF, 0x800 }, Snapshot(host).Keys.Order());

        Assert.Throws<ArgumentException>(() => u.Unmap(d, 0x4000_0000, 0x1000));   // part of a super-page
        Assert.Equal(4 * MiB, u.Unmap(d, 0x4000_0000, 4 * MiB));
        u.InvalidateIotlb(d, 0x4000_0000, 4 * MiB);
        Assert.Equal(DmaFaultReason.ReadNotPermitted, u.Translate(Nic, 0x4000_1234, AccessKind.Read).Fault!.Reason);
    }

    [Fact]
    public void TheIotlbHitsAfterTheFirstTranslationAndMissesAfterInvalidation()
    {
        var u = new IommuUnit();
        var d = u.CreateDomain(4, IommuAddressWidth.Bits39);
        u.Map(d, 0x5000, 0x77_7000, 0x1000, true, true);
        u.Attach(d, Nic);

        var first = u.Translate(Nic, 0x5008, AccessKind.Read);
        Assert.False(first.IotlbHit);
        Assert.Equal(5, first.References);                          // root, context, 3 levels
        Assert.Equal((0L, 1L), (u.IotlbHits, u.IotlbMisses));
        var second = u.Translate(Nic, 0x5FF0, AccessKind.Write);
        Assert.True(second.IotlbHit);
        Assert.Equal((0x77_7FF0UL, 0), (second.HostAddress, second.References));
        Assert.Equal((1L, 1L, 5L), (u.IotlbHits, u.IotlbMisses, u.PageWalkReferences));
        Assert.Equal((1L, 1L), (u.ContextCacheHits, u.ContextCacheMisses));

        // Unmapped without invalidation, the stale IOTLB entry still answers, as hardware may (§3.7.1, §6.2.4) ...
        u.Unmap(d, 0x5000, 0x1000);
        Assert.True(u.Translate(Nic, 0x5000, AccessKind.Read).IotlbHit);
        // ... page-selective invalidation drops it: a miss, a walk and the fault.
        Assert.Equal(1, u.InvalidateIotlb(d, 0x5000, 0x1000));
        var after = u.Translate(Nic, 0x5000, AccessKind.Read);
        Assert.False(after.IotlbHit);
        Assert.Equal(DmaFaultReason.ReadNotPermitted, after.Fault!.Reason);
        Assert.Equal((2L, 2L), (u.IotlbHits, u.IotlbMisses));

        // Global and domain-selective invalidation, and a context-cache invalidation that forces the root/context reads again.
        u.Map(d, 0x5000, 0x77_7000, 0x1000, true, true);
        Assert.False(u.Translate(Nic, 0x5000, AccessKind.Read).IotlbHit);
        Assert.True(u.Translate(Nic, 0x5000, AccessKind.Read).IotlbHit);
        Assert.Equal(1, u.InvalidateIotlb());
        Assert.Equal(1, u.InvalidateContextCache());
        var cold = u.Translate(Nic, 0x5000, AccessKind.Read);
        Assert.Equal((false, 5), (cold.IotlbHit, cold.References));
        Assert.Equal(1, u.InvalidateIotlb(d));
        Assert.Equal(7, u.Translations);
        Assert.Equal(1, u.Faults);
    }

    [Fact]
    public void TheIotlbIsSmallTaggedByDomainAndEvictsTheLeastRecentlyUsed()
    {
        var u = new IommuUnit(iotlbEntries: 2);
        var a = u.CreateDomain(1, IommuAddressWidth.Bits39);
        var b = u.CreateDomain(2, IommuAddressWidth.Bits39);
        u.Map(a, 0x1000, 0x11_1000, 0x3000, true, true);
        u.Map(b, 0x1000, 0x22_1000, 0x1000, true, true);              // the same IOVA in another domain
        u.Attach(a, Nic);
        u.Attach(b, Disk);
        Assert.Equal(0x11_1000UL, u.Translate(Nic, 0x1000, AccessKind.Read).HostAddress);
        Assert.Equal(0x22_1000UL, u.Translate(Disk, 0x1000, AccessKind.Read).HostAddress);   // tagged by domain id: a miss
        Assert.Equal((0L, 2L), (u.IotlbHits, u.IotlbMisses));
        Assert.True(u.Translate(Nic, 0x1000, AccessKind.Read).IotlbHit);                     // domain 1's page is now newest
        Assert.False(u.Translate(Nic, 0x2000, AccessKind.Read).IotlbHit);                    // evicts domain 2's page
        Assert.Equal(2, u.Iotlb.Count);
        Assert.DoesNotContain(u.Iotlb.Entries, e => e.DomainId == 2);
        Assert.False(u.Translate(Disk, 0x1000, AccessKind.Read).IotlbHit);
        Assert.Equal(1, u.InvalidateIotlb(b));                                               // domain-selective
        Assert.Equal(0x11_2000UL, Assert.Single(u.Iotlb.Entries).HostPage);                    // the domain-2 miss evicted IOVA 0x1000
    }

    /// <summary>Primary fault logging as §7.2.1 describes it: an internal index, FRI set when no fault was pending, PFO
    /// when the next record is still full, no recording while PFO is set, and recording resumed after software clears.</summary>
    [Fact]
    public void TheFaultLogOverflowsWhenEveryRecordIsFull()
    {
        var u = new IommuUnit(faultRecords: 4);
        var d = u.CreateDomain(1, IommuAddressWidth.Bits39);
        u.Attach(d, Nic);
        var log = u.FaultLog;
        void Fault(ulong iova) => Assert.False(u.Translate(Nic, iova, AccessKind.Read).Succeeded);

        Fault(0x0000); Fault(0x1000);                                  // records 0, 1; FRI 0
        Assert.Equal(FaultRecordingRegisters.Ppf, log.FaultStatus);
        log.Clear(0); log.Clear(1);                                   // software services both
        Assert.Equal(0u, log.FaultStatus & FaultRecordingRegisters.Ppf);
        Fault(0x2000);                                                 // record 2, no fault pending: FRI = 2
        Assert.Equal(FaultRecordingRegisters.Ppf | 2u << 8, log.FaultStatus);
        Fault(0x3000); Fault(0x4000); Fault(0x5000);                   // records 3, 0, 1 (FRI stays 2)
        Fault(0x6000);                                                 // record 2 still full: overflow, lost
        Assert.True(log.Overflow);
        Assert.Equal(FaultRecordingRegisters.Pfo | FaultRecordingRegisters.Ppf | 2u << 8, log.FaultStatus);
        Assert.Equal([0x2000UL, 0x3000, 0x4000, 0x5000], log.Pending.Select(f => f.Iova));   // FIFO from FRI
        Assert.Equal((6L, 1L), (log.Recorded, log.Lost));

        log.Clear(2);
        Fault(0x7000);                                                 // PFO still set: not recorded though record 2 is free
        Assert.Null(log[2]);
        Assert.Equal(2L, log.Lost);

        for (int i = 0; i < 4; i++) log.Clear(i);
        log.ClearOverflow();
        Assert.Equal(2u << 8, log.FaultStatus);
        Fault(0x8000);                                                 // recording resumes at the internal index (2)
        Assert.Equal(0x8000UL, log[2]!.Iova);
        Assert.Equal((2, 3), (log.FaultRecordIndex, log.NextRecord));
        Assert.Equal(9, u.Faults);                                     // every fault counted, recorded or not

        // FPD set in a context entry: its qualified faults are counted but not recorded, even with the entry not present.
        var quiet = u.CreateDomain(2, IommuAddressWidth.Bits39);
        u.Attach(quiet, Disk, faultProcessingDisable: true);
        log.Clear(2);
        Assert.False(u.Translate(Disk, 0, AccessKind.Read).Succeeded);
        ulong ctx = (BitConverter.ToUInt64(u.TableMemory.Read(u.RootTableAddress + 16UL * Disk.Bus - IommuUnit.TablesBase, 8)) & ~0xFFFUL)
                    + 16UL * (ulong)(Disk.DevFn ^ 1) - IommuUnit.TablesBase;   // the neighbouring function's entry: P = 0, FPD = 1
        u.TableMemory.Write(ctx, BitConverter.GetBytes(2UL));
        var t = u.Translate(new SourceId(Disk.Bus, Disk.Device, (byte)(Disk.Function ^ 1)), 0, AccessKind.Read);
        Assert.Equal(DmaFaultReason.ContextEntryNotPresent, t.Fault!.Reason);
        Assert.Empty(log.Pending);
        Assert.Equal(11, u.Faults);
        // ... but a fault that is not qualified (root entry not present) is recorded whatever FPD says.
        Assert.False(u.Translate(new SourceId(9, 0, 0), 0, AccessKind.Read).Succeeded);
        Assert.Equal(DmaFaultReason.RootEntryNotPresent, Assert.Single(log.Pending).Reason);
    }

    [Fact]
    public void AnOutputAddressInTheInterruptRangeFaults()
    {
        var host = new PhysicalMemory(1UL << 32);
        var u = new IommuUnit();
        var d = u.CreateDomain(1, IommuAddressWidth.Bits39);
        u.Map(d, 0x1000, 0xFEE0_0000, 0x1000, true, true);           // a DMA aimed at the local APICs' MSI window
        u.Attach(d, Nic);
        var dma = new IommuDma(u, Nic, host);
        Assert.False(dma.Write(0x1000, BitConverter.GetBytes(0x41)));
        Assert.Equal(DmaFaultReason.InterruptAddressRange, dma.LastFault!.Reason);
        Assert.Equal(0xE, dma.LastFault.Code);
        Assert.Empty(Snapshot(host));
    }

    [Fact]
    public void CorruptTablesGiveTheSpecsReasons()
    {
        var u = new IommuUnit();
        var d = u.CreateDomain(1, IommuAddressWidth.Bits39);
        u.Map(d, 0, 0x10_0000, 0x1000, true, true);
        u.Attach(d, Nic);
        ulong Off(ulong hpa) => hpa - IommuUnit.TablesBase;
        ulong Q(ulong hpa) => BitConverter.ToUInt64(u.TableMemory.Read(Off(hpa), 8));
        void Put(ulong hpa, ulong v) => u.TableMemory.Write(Off(hpa), BitConverter.GetBytes(v));
        DmaFaultReason? Try()
        {
            u.InvalidateContextCache(); u.InvalidateIotlb();
            return u.Translate(Nic, 0, AccessKind.Read).Fault?.Reason;
        }
        Assert.Null(Try());
        ulong root = u.RootTableAddress, rlo = Q(root), ctx = (rlo & ~0xFFFUL) + 16UL * Nic.DevFn, clo = Q(ctx), chi = Q(ctx + 8);
        ulong l3 = clo & ~0xFFFUL, e3 = Q(l3);

        Put(root + 8, 1); Assert.Equal(DmaFaultReason.RootEntryReserved, Try()); Put(root + 8, 0);            // Ah
        Put(ctx + 8, chi | 0x80); Assert.Equal(DmaFaultReason.ContextEntryReserved, Try()); Put(ctx + 8, chi); // Bh
        Put(ctx, clo | 1 << 2); Assert.Equal(DmaFaultReason.InvalidContextEntry, Try()); Put(ctx, clo);         // 3h: TT 01b
        Put(ctx + 8, chi & ~7UL | 3); Assert.Equal(DmaFaultReason.InvalidContextEntry, Try()); Put(ctx + 8, chi); // 3h: AW 011b
        Put(l3, e3 | 0x80); Assert.Equal(DmaFaultReason.PagingEntryReserved, Try()); Put(l3, e3);                // Ch: 1 GiB not supported
        Put(l3, (e3 & 0xFFF) | 0x1000); Assert.Equal(DmaFaultReason.PagingEntryAccessError, Try()); Put(l3, e3); // 7h
        Put(root, (rlo & 0xFFF) | 0x2000); Assert.Equal(DmaFaultReason.ContextTableAccessError, Try()); Put(root, rlo); // 9h
        u.RootTableAddress = 0x1000; Assert.Equal(DmaFaultReason.RootTableAccessError, Try()); u.RootTableAddress = root; // 8h
        Assert.Null(Try());
    }

    [Fact]
    public void TheVmmApiRefusesBadRequests()
    {
        var u = new IommuUnit();
        var d = u.CreateDomain(1, IommuAddressWidth.Bits39);
        Assert.Throws<ArgumentException>(() => u.CreateDomain(1, IommuAddressWidth.Bits48));
        Assert.Throws<ArgumentException>(() => u.Map(d, 0x1001, 0, 0x1000, true, true));
        Assert.Throws<ArgumentException>(() => u.Map(d, 0x1000, 0, 0x1000, false, false));
        u.Map(d, 0x1000, 0, 0x2000, true, true);
        Assert.Throws<InvalidOperationException>(() => u.Map(d, 0x2000, 0x5000, 0x1000, true, true));
        Assert.Throws<ArgumentException>(() => new IommuUnit().Map(d, 0, 0, 0x1000, true, true));   // another unit's domain
        Assert.Throws<ArgumentException>(() => u.Translate(Nic, 0, AccessKind.Execute));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SourceId(0, 32, 0));
        Assert.Equal(new SourceId(0x12, 0x1f, 5), SourceId.FromValue(new SourceId(0x12, 0x1f, 5).Value));
    }
}
