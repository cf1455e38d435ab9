using VirtPS.Engine.Guests;
using VirtPS.Engine.Memory;

namespace VirtPS;

/// <summary>A guest's translation hardware statistics: hits and misses per TLB level, flushes, the walks TLB misses made
/// and their references, and the walk caches' and nested TLB's hits and misses.</summary>
public sealed class VTlbStatistics
{
    internal VTlbStatistics(Guest g) : this(g.Name, g.TranslationCaches, [g])
    {
        Pcid = g.Pcid; WalkCaches = g.WalkCaches; NestedTlb = g.NestedTlb;
    }

    /// <summary>A host's physical CPU: its caches serve every guest that ran there (the walks are theirs, summed).</summary>
    internal VTlbStatistics(PhysicalCpu cpu)
        : this(cpu.ToString(), cpu.Caches, cpu.Host.Guests.Where(g => ReferenceEquals(g.TranslationCaches, cpu.Caches)))
    {
        WalkCaches = cpu.Caches.WalkCaches; NestedTlb = cpu.Caches.NestedTlbEnabled;
    }

    VTlbStatistics(string name, TranslationCaches c, IEnumerable<Guest> users)
    {
        var t = c.Tlb;
        Guest = name;
        L1InstructionHits = t.L1InstructionHits; L1InstructionMisses = t.L1InstructionMisses;
        L1DataHits = t.L1DataHits; L1DataMisses = t.L1DataMisses;
        StlbHits = t.StlbHits; StlbMisses = t.StlbMisses; Flushes = t.Flushes;
        foreach (var g in users) { Walks += g.Machine.Cpu.PageWalks; WalkReferences += g.Machine.Cpu.TlbMissReferences; }
        ReferencesPerWalk = Walks > 0 ? Math.Round((double)WalkReferences / Walks, 2) : 0;
        WalkCacheHits = c.Guest.Hits; WalkCacheMisses = c.Guest.Misses;
        EptWalkCacheHits = c.Ept.Hits; EptWalkCacheMisses = c.Ept.Misses;
        NestedTlbHits = c.Nested.Hits; NestedTlbMisses = c.Nested.Misses;
        Entries = t.Entries().Count();
        Configuration = t.Configuration;
    }

    public string Guest { get; }
    public long L1InstructionHits { get; }
    public long L1InstructionMisses { get; }
    /// <summary>L1 DTLB hits, the host page caches' hits included (they hold only L1 DTLB entries).</summary>
    public long L1DataHits { get; }
    public long L1DataMisses { get; }
    public long StlbHits { get; }
    /// <summary>Misses of every level: each one walked.</summary>
    public long StlbMisses { get; }
    public long Flushes { get; }
    public long Walks { get; private set; }
    /// <summary>Memory references of the walks TLB misses made (priced as PageWalkReference).</summary>
    public long WalkReferences { get; private set; }
    public double ReferencesPerWalk { get; }
    /// <summary>Paging-structure caches of the guest dimension: walks that started below the root, and walks that did not.</summary>
    public long WalkCacheHits { get; }
    public long WalkCacheMisses { get; }
    /// <summary>The same for EPT walks (nested paging).</summary>
    public long EptWalkCacheHits { get; }
    public long EptWalkCacheMisses { get; }
    public long NestedTlbHits { get; }
    public long NestedTlbMisses { get; }
    /// <summary>Valid entries now, in every level (an L1 entry is usually in the STLB as well).</summary>
    public int Entries { get; }
    public bool Pcid { get; }
    public bool WalkCaches { get; }
    public bool NestedTlb { get; }
    public TlbConfiguration Configuration { get; }
}
