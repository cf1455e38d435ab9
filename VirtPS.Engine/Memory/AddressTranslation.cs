namespace VirtPS.Engine.Memory;

/// <summary>
/// How one guest-virtual address translates, as the hardware would find it now: from the TLB (no reference), or by a
/// walk whose every memory reference is listed in order (the paging-structure caches and the nested TLB may have
/// spared some), the guest-physical and host-physical address, the page size a TLB entry covers, and what the
/// references cost under the guest's cost model. Looking changes nothing: no recency, no statistics, no A/D bits.
/// </summary>
public sealed class AddressTranslation
{
    internal AddressTranslation(string guest, ulong address, AccessKind access, bool user, MemoryVirtualization paging,
        IReadOnlyList<WalkReference> walk, ulong gpa, ulong hpa, ulong pageSize, double cyclesPerReference, string source)
    {
        Guest = guest; Address = address; Access = access; User = user; Paging = paging; Walk = walk;
        Gpa = gpa; Hpa = hpa; PageSize = pageSize; Cycles = walk.Count * cyclesPerReference; Source = source;
    }

    public string Guest { get; }
    /// <summary>The guest-virtual (linear) address translated.</summary>
    public ulong Address { get; }
    public AccessKind Access { get; }
    /// <summary>Whether the access was checked as a user-mode (CPL 3) access: the guest's current privilege.</summary>
    public bool User { get; }
    /// <summary>Native, Shadow, Nested, Direct (paravirtual) or Software (an emulator's MMU): whose tables the walk read.</summary>
    public MemoryVirtualization Paging { get; }
    /// <summary>Every memory reference of the walk, in order.</summary>
    public IReadOnlyList<WalkReference> Walk { get; }
    /// <summary>How many memory references the walk made.</summary>
    public int References => Walk.Count;
    public ulong Gpa { get; }
    public ulong Hpa { get; }
    /// <summary>The page size a TLB entry for this translation could cover (under nested paging the smaller of the
    /// guest's page and the EPT page).</summary>
    public ulong PageSize { get; }
    /// <summary>References times the cost model's PageWalkReference.</summary>
    public double Cycles { get; }
    /// <summary>Whether a TLB held the translation (then <see cref="Walk"/> is empty).</summary>
    public bool TlbHit => TlbLevel != "";
    /// <summary>The TLB level that held it: "L1" or "Stlb"; empty when the translation needed a walk.</summary>
    public string TlbLevel { get; init; } = "";
    /// <summary>Cached entries the walk used instead of references: a paging-structure cache hit in the guest
    /// dimension, and under nested paging each nested-TLB or EPT paging-structure cache hit.</summary>
    public int WalkCacheHits { get; init; }
    /// <summary>Where the translation came from: "L1 TLB" or "STLB"; "Walk" (a walk from the root); "WalkCache" (a walk
    /// the walk caches shortened); or "GuestTables" under shadow paging when the shadow holds no entry yet (the VMM
    /// would fill it from the guest's tables on a hidden fault).</summary>
    public string Source { get; }
}
