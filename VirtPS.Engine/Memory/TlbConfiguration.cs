namespace VirtPS.Engine.Memory;

/// <summary>
/// The sizes of a core's TLBs. The defaults are an Intel Skylake core's (Intel 64 and IA-32 Architectures
/// Optimization Reference Manual, Skylake microarchitecture, TLB parameters): L1 ITLB 128 entries 8-way and
/// L1 DTLB 64 entries 4-way for 4 KiB pages, an L1 DTLB of 32 entries 4-way for 2 MiB pages, an L1 ITLB of
/// 8 fully-associative entries for 2 MiB pages, and a second-level TLB of 1536 entries 12-way shared by
/// 4 KiB and 2 MiB pages.
/// </summary>
public sealed record TlbConfiguration
{
    public CacheGeometry InstructionSmall { get; init; } = new(128, 8);
    public CacheGeometry InstructionLarge { get; init; } = new(8, 8);
    public CacheGeometry DataSmall { get; init; } = new(64, 4);
    public CacheGeometry DataLarge { get; init; } = new(32, 4);
    public CacheGeometry SecondLevel { get; init; } = new(1536, 12);

    public static TlbConfiguration Skylake { get; } = new();

    /// <summary>This configuration with the given STLB and 4 KiB L1 DTLB sizes changed (null keeps a value); validated.</summary>
    public TlbConfiguration With(int? stlbEntries = null, int? stlbWays = null, int? dtlbEntries = null, int? dtlbWays = null)
    {
        var c = this with
        {
            SecondLevel = new(stlbEntries ?? SecondLevel.Entries, stlbWays ?? SecondLevel.Ways),
            DataSmall = new(dtlbEntries ?? DataSmall.Entries, dtlbWays ?? DataSmall.Ways),
        };
        c.Validate();
        return c;
    }

    /// <summary>Refuses any geometry that does not divide into sets, naming it and the value.</summary>
    public void Validate()
    {
        InstructionSmall.Validate("L1 ITLB (4 KiB)");
        InstructionLarge.Validate("L1 ITLB (2 MiB)");
        DataSmall.Validate("L1 DTLB (4 KiB)");
        DataLarge.Validate("L1 DTLB (2 MiB)");
        SecondLevel.Validate("STLB");
    }
}
