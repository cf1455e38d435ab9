namespace VirtPS.Engine.Memory;

/// <summary>
/// A core's translation hardware: the TLB, the paging-structure caches of both walk dimensions, and the nested TLB.
/// A processor uses one; it belongs to the physical CPU, so several guests' vCPUs can share it, told apart by VPID.
/// </summary>
public sealed class TranslationCaches
{
    public TranslationCaches(TlbConfiguration? configuration = null) => Tlb = new Tlb(configuration);

    public Tlb Tlb { get; private set; }
    /// <summary>The processor whose host caches the TLB's drops are reported to: caches a host's physical CPU shares
    /// serve one guest's processor at a time, and a processor must be wired again before it runs.</summary>
    internal object? WiredTo { get; set; }

    /// <summary>Stands in for a processor whose guest was removed: the next processor still finds the caches used by
    /// another (and flushes what its tags require), but nothing here refers to the removed one.</summary>
    static readonly object Gone = new();

    /// <summary>Stops reporting drops to <paramref name="processor"/> (its guest was removed), if it is the one wired.</summary>
    internal void Release(object processor)
    {
        if (!ReferenceEquals(WiredTo, processor)) return;
        WiredTo = Gone;
        Tlb.DataDropped = null; Tlb.InstructionDropped = null; Tlb.Cleared = null;
    }
    public PagingStructureCaches Guest { get; } = new("guest");
    public PagingStructureCaches Ept { get; } = new("EPT");
    public NestedTlb Nested { get; } = new();

    /// <summary>Walk caches on or off, in both dimensions.</summary>
    public bool WalkCaches { get => Guest.Enabled; set { Guest.Enabled = Ept.Enabled = value; if (!value) { Guest.Clear(); Ept.Clear(); } } }
    public bool NestedTlbEnabled { get => Nested.Enabled; set { Nested.Enabled = value; if (!value) Nested.Clear(); } }

    /// <summary>Replaces the TLB with one of a new geometry (validated first: a bad one changes nothing).</summary>
    internal void Reconfigure(TlbConfiguration configuration)
    {
        configuration.Validate();
        var old = Tlb;
        Tlb = new Tlb(configuration) { DataDropped = old.DataDropped, InstructionDropped = old.InstructionDropped, Cleared = old.Cleared };
        Tlb.Cleared?.Invoke();
    }

    /// <summary>Everything goes: the TLB, both dimensions' walk caches and the nested TLB (Clear-VTlb).</summary>
    public void FlushAll()
    {
        Tlb.FlushAll();
        Guest.Clear();
        Ept.Clear();
        Nested.Clear();
    }

    public void ResetStatistics() { Tlb.ResetStatistics(); Guest.ResetStatistics(); Ept.ResetStatistics(); Nested.ResetStatistics(); }
}
