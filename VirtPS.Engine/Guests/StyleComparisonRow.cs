using VirtPS.Engine.Styles;

namespace VirtPS.Engine.Guests;

/// <summary>One style's run of a workload: its cycles per iteration and how that compares with Native.</summary>
public sealed record StyleComparisonRow(string Workload, VirtualizationStyle Style, string Paging, string CostModel, long Iterations,
    long Instructions, double Cycles, double CyclesPerIteration, double RatioToNative, long Exits, long Traps, long Callouts,
    long Hypercalls, int FidelityViolations, string Console, double HostSeconds)
{
    /// <summary>Under nested paging, the size of the pages EPT mapped the guest with; 0 otherwise.</summary>
    public ulong EptPageSize { get; init; }
    /// <summary>The style with its memory virtualization where it has a choice: HWAssist/Nested, HWAssist/Nested 2M
    /// (2 MiB EPT pages), HWAssist/Shadow.</summary>
    public string Setup => Style == VirtualizationStyle.HardwareAssisted && Paging != ""
        ? $"HWAssist/{Paging}{(EptPageSize == Memory.ExtendedPageTables.LargePageSize ? " 2M" : "")}"
        : Style.ToString();
    /// <summary>TLB misses that walked (STLB misses, data and instruction) and the references those walks made, per
    /// iteration, marginal like the cycles.</summary>
    public double TlbMissesPerIteration { get; init; }
    public double WalkReferencesPerIteration { get; init; }
    /// <summary>Instructions the machine ran before the workload's first user instruction: a VM's whole kernel boot; for
    /// a container, its shared kernel's work from the host's request to the container's first instruction.</summary>
    public long StartupInstructions { get; init; }
    /// <summary>Pages of host memory one instance holds: a VM's resident guest memory; a container's growth of its
    /// shared kernel's.</summary>
    public long PagesHeld { get; init; }
}
