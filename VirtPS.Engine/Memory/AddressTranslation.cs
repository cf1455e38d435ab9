namespace VirtPS.Engine.Memory;

/// <summary>
/// How one guest-virtual address translates, as the hardware would walk it now with cold caches: every memory
/// reference of the walk in order, the guest-physical and host-physical address, the page size a TLB entry could
/// cover, and what the references cost under the guest's cost model. No TLB or paging-structure cache is
/// modelled yet, so none was consulted (<see cref="TlbHit"/> false, <see cref="Source"/> "Walk").
/// </summary>
public sealed class AddressTranslation
{
    internal AddressTranslation(string guest, ulong address, AccessKind access, bool user, string paging,
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
    /// <summary>Native, Nested, Shadow, Direct (paravirtual) or Emulated: whose tables the walk read.</summary>
    public string Paging { get; }
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
    /// <summary>Whether a TLB held the translation: always false until a TLB is modelled.</summary>
    public bool TlbHit => false;
    /// <summary>Paging-structure (walk) cache hits: none until such caches are modelled.</summary>
    public int WalkCacheHits => 0;
    /// <summary>Where the translation came from: "Walk" (the hardware's walk), or "GuestTables" under shadow paging
    /// when the shadow holds no entry yet (the VMM would fill it from the guest's tables on a hidden fault).</summary>
    public string Source { get; }
}
