using VirtPS.Engine.Costs;

namespace VirtPS.Engine.Guests;

/// <summary>A physical CPU of a host: its TLB, paging-structure caches and nested TLB, which every guest the
/// host runs on it uses, and the guest that ran on it last.</summary>
public sealed class PhysicalCpu(VHost host, int index)
{
    public VHost Host { get; } = host;
    public int Index { get; } = index;
    public Memory.TranslationCaches Caches { get; } = new(host.TlbConfiguration);
    public Guest? Current { get; internal set; }
    /// <summary>Times the CPU passed from one guest to another.</summary>
    public long WorldSwitches { get; internal set; }
    public override string ToString() => $"{Host.Name}/cpu{Index}";
}
