using VirtPS.Engine;
using VirtPS.Engine.Memory;
using Xunit;

namespace VirtPS.Tests.Memory;

public class SetAssociativeCacheTests
{
    /// <summary>True LRU within a set, by its definition: the entry unused the longest goes first.</summary>
    [Fact]
    public void EvictsTheLeastRecentlyUsedWayOfTheSet()
    {
        var c = new SetAssociativeCache<int, string>(new CacheGeometry(4, 2), "test");   // 2 sets of 2 ways
        c.Put(0, 0, "a"); c.Put(2, 2, "b");          // both in set 0
        c.Put(1, 1, "other set");
        Assert.True(c.TryGet(0, 0, out _));          // a is now more recent than b
        c.Put(4, 4, "c");                            // set 0 is full: b, the LRU, goes
        Assert.False(c.TryGet(2, 2, out _));
        Assert.True(c.TryGet(0, 0, out var a) && a == "a");
        Assert.True(c.TryGet(4, 4, out _));
        Assert.True(c.TryGet(1, 1, out _));          // the other set was untouched
        Assert.Equal(1, c.Evictions);
        c.Put(0, 0, "a2");                           // replacing a key in place is no eviction
        Assert.Equal(1, c.Evictions);
        Assert.Equal(3, c.Count);
    }

    [Theory]
    [InlineData(64, 3, "64")]
    [InlineData(0, 1, "0")]
    [InlineData(4, 8, "8")]
    [InlineData(1536, 0, "0")]
    public void RefusesAGeometryThatDoesNotDivideIntoSets(int entries, int ways, string named)
    {
        var e = Assert.Throws<VirtPSException>(() => new SetAssociativeCache<int, int>(new CacheGeometry(entries, ways), "STLB"));
        Assert.Equal("InvalidTlbGeometry", e.ErrorId);
        Assert.Contains(named, e.Message);
        Assert.Contains("STLB", e.Message);
    }
}

public class TlbTests
{
    static TlbEntry Page(ulong frame, ulong size = 4096) => new(frame, frame, size, true, true, true, true);

    [Fact]
    public void SkylakeDefaultsAreTheOptimizationManualsSizes()
    {
        var c = TlbConfiguration.Skylake;
        Assert.Equal((64, 4), (c.DataSmall.Entries, c.DataSmall.Ways));
        Assert.Equal((128, 8), (c.InstructionSmall.Entries, c.InstructionSmall.Ways));
        Assert.Equal((1536, 12), (c.SecondLevel.Entries, c.SecondLevel.Ways));
        Assert.Equal(128, c.SecondLevel.Sets);
    }

    /// <summary>64 consecutive pages fill the 16 sets of the 4-way L1 DTLB exactly; the 65th evicts the LRU of
    /// its set, and that page is then found in the STLB, which refills L1.</summary>
    [Fact]
    public void TheFirstLevelHoldsItsCapacityAndTheStlbCatchesItsEvictions()
    {
        var t = new Tlb();
        for (ulong p = 0; p < 64; p++) t.Insert(p << 12, false, 0, 0, false, Page(p));
        for (ulong p = 0; p < 64; p++) Assert.Equal(TlbLevel.L1, t.Lookup(p << 12, false, 0, 0, out _));
        t.Insert(64UL << 12, false, 0, 0, false, Page(64));      // set 0 (64 mod 16): page 0 is its LRU
        Assert.Equal(TlbLevel.Stlb, t.Lookup(0, false, 0, 0, out var e));
        Assert.Equal(0UL, e.HostFrame);
        Assert.Equal(TlbLevel.L1, t.Lookup(0, false, 0, 0, out _));   // refilled
        Assert.Equal(TlbLevel.Miss, t.Lookup(1000UL << 12, false, 0, 0, out _));
        // The STLB is shared: a page cached by a data access is found there by an instruction fetch.
        Assert.Equal(TlbLevel.Stlb, t.Lookup(5UL << 12, true, 0, 0, out _));
        Assert.Equal(TlbLevel.L1, t.Lookup(5UL << 12, true, 0, 0, out _));
    }

    [Fact]
    public void ALargePageEntryServesEveryAddressInside()
    {
        var t = new Tlb();
        t.Insert(0x4000_0000, false, 0, 0, false, Page(0x8000_0000 >> 12, 2 << 20));
        Assert.Equal(TlbLevel.L1, t.Lookup(0x401F_F123, false, 0, 0, out var e));
        Assert.Equal(2UL << 20, e.PageSize);
        Assert.Equal(TlbLevel.Miss, t.Lookup(0x4020_0000, false, 0, 0, out _));
    }

    /// <summary>Tags (SDM Vol. 3A, 4.10.1 and Vol. 3C, 28.4): an entry serves only its VPID and its PCID, a
    /// global entry every PCID of its VPID; the invalidations drop exactly what the manual says.</summary>
    [Fact]
    public void TagsSeparateAndInvalidationsSelect()
    {
        var t = new Tlb();
        t.Insert(0x1000, false, 1, 1, false, Page(1));
        t.Insert(0x2000, false, 1, 1, true, Page(2));    // global
        t.Insert(0x1000, false, 2, 1, false, Page(3));   // another guest's same address
        Assert.Equal(TlbLevel.L1, t.Lookup(0x1000, false, 1, 1, out var a));
        Assert.Equal(1UL, a.HostFrame);
        Assert.Equal(TlbLevel.L1, t.Lookup(0x1000, false, 2, 1, out var b));
        Assert.Equal(3UL, b.HostFrame);
        Assert.Equal(TlbLevel.Miss, t.Lookup(0x1000, false, 1, 2, out _));   // other PCID
        Assert.Equal(TlbLevel.L1, t.Lookup(0x2000, false, 1, 7, out _));     // global: any PCID
        Assert.Equal(TlbLevel.Miss, t.Lookup(0x2000, false, 2, 1, out _));   // but not another VPID

        t.FlushNonGlobal(1, 1);                                              // MOV to CR3
        Assert.Equal(TlbLevel.Miss, t.Lookup(0x1000, false, 1, 1, out _));
        Assert.Equal(TlbLevel.L1, t.Lookup(0x2000, false, 1, 1, out _));
        Assert.Equal(TlbLevel.L1, t.Lookup(0x1000, false, 2, 1, out _));     // VPID 2 untouched

        t.FlushPage(1, 1, 0x2000);                                           // INVLPG drops the global too
        Assert.Equal(TlbLevel.Miss, t.Lookup(0x2000, false, 1, 1, out _));

        t.Insert(0x5000, false, 0, 0, false, Page(5));                       // the host's own (VPID 0)
        t.Invvpid(2, 0, 0);                                                  // all contexts but the host's
        Assert.Equal(TlbLevel.Miss, t.Lookup(0x1000, false, 2, 1, out _));
        Assert.Equal(TlbLevel.L1, t.Lookup(0x5000, false, 0, 0, out _));
    }
}
