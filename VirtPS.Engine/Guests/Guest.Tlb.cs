using VirtPS.Engine.Memory;

namespace VirtPS.Engine.Guests;

/// <summary>
/// The guest's translation hardware settings. They describe the core the guest runs on (until guests share a host's
/// physical CPUs, each guest models its own): PCID support, the walk caches, the nested TLB and the TLB's geometry.
/// </summary>
public sealed partial class Guest
{
    /// <summary>Whether CPUID.1:ECX[17] reports PCIDs to the guest (default on: a modern core has them). The built-in
    /// kernel enables CR4.PCIDE at boot when it does, so set it before the kernel runs; turning it off once the guest has
    /// set CR4.PCIDE is refused (PcidInUse).</summary>
    public bool Pcid
    {
        get => Machine.Cpu.PcidSupported;
        set
        {
            if (!value && (Machine.Cpu.Cr4 & Cpu.Processor.Cr4PCIDE) != 0)
                throw new VirtPSException(ErrorIds.PcidInUse, ErrorKind.InvalidOperation,
                    $"Guest '{Name}' has already set CR4.PCIDE; PCIDs cannot be withdrawn from a running kernel. Create the guest with -Pcid Off.", this);
            Machine.Cpu.PcidSupported = value;
        }
    }

    /// <summary>The TLB, paging-structure caches and nested TLB the guest's processor uses.</summary>
    public TranslationCaches TranslationCaches => Machine.Cpu.Caches;

    /// <summary>Paging-structure caches (PML4E, PDPTE, PDE; guest and EPT dimensions) on or off.</summary>
    public bool WalkCaches { get => Machine.Cpu.Caches.WalkCaches; set => Machine.Cpu.Caches.WalkCaches = value; }

    /// <summary>The nested TLB (guest-physical to host-physical) on or off.</summary>
    public bool NestedTlb { get => Machine.Cpu.Caches.NestedTlbEnabled; set => Machine.Cpu.Caches.NestedTlbEnabled = value; }

    /// <summary>The TLB's geometry (default: Skylake's). Setting it validates every level first (InvalidTlbGeometry names
    /// the bad value), then replaces the TLB with an empty one.</summary>
    public TlbConfiguration TlbConfiguration
    {
        get => Machine.Cpu.Caches.Tlb.Configuration;
        set => Machine.Cpu.ConfigureTlb(value);
    }

    /// <summary>Flushes the TLB, both dimensions' walk caches and the nested TLB (statistics are kept).</summary>
    public void ClearTlb() => Machine.Cpu.Caches.FlushAll();
}
