namespace VirtPS.Engine.Trace;

/// <summary>
/// What a guest's processor and its VMM did, as the one <see cref="EventLedger"/> records it. Some events carry a code
/// (the vector of an exception, the SDM basic exit reason of a VM exit, the number of a hypercall, the mnemonic of a
/// privileged instruction a paravirtual kernel still ran); each VMM event also names the primitive cost events it is
/// priced as (<see cref="EventLedger.PricedAs"/>).
/// </summary>
public enum GuestEvent
{
    // ---- architectural: the processor ----
    /// <summary>A SYSCALL executed.</summary>
    Syscall,
    /// <summary>A MOV to CR3 (or the hypervisor's load of a new base pointer).</summary>
    Cr3Load,
    /// <summary>An external interrupt taken.</summary>
    Interrupt,
    /// <summary>A software interrupt (INT n, INT3) taken.</summary>
    SoftwareInterrupt,
    /// <summary>An INVLPG executed (or done by the hypervisor on the guest's behalf).</summary>
    Invlpg,
    /// <summary>An exception delivered; coded by vector.</summary>
    Exception,

    // ---- the VMM ----
    /// <summary>A VM exit and the entry that resumes the guest; coded by SDM basic exit reason.</summary>
    VmExit,
    /// <summary>A fault from deprivileged guest code into the VMM and back.</summary>
    Trap,
    /// <summary>Translated code calling out into the VMM (from the intercept path; the translator counts its own).</summary>
    Callout,
    /// <summary>A paravirtual hypercall; coded by hypercall number.</summary>
    Hypercall,
    /// <summary>One update inside a batched hypercall, validated by the hypervisor.</summary>
    HypercallBatchEntry,
    /// <summary>A page-table update the hypervisor refused.</summary>
    RefusedUpdate,
    /// <summary>A privileged instruction that reached a paravirtual hypervisor anyway; coded by Iced mnemonic.</summary>
    PrivilegedInstruction,
    /// <summary>A virtual interrupt or exception injected into (bounced to) the guest.</summary>
    Injection,
    /// <summary>A performance-counter overflow delivered as a virtual interrupt (Xen's VIRQ_XENPMU).</summary>
    VirtualPmi,
    /// <summary>A switch to another world and back: coded <see cref="EventLedger.HostOs"/> for the host OS of a hosted
    /// VMM, <see cref="EventLedger.AnotherGuest"/> for a physical CPU handed over from another guest.</summary>
    WorldSwitch,
    /// <summary>The VMM fetching, decoding and emulating one guest instruction.</summary>
    Emulation,
    /// <summary>The VMM's device model handling one intercepted port access.</summary>
    DeviceEmulation,
    /// <summary>Shadow paging: a fault the VMM resolved by filling the shadow (the guest never sees it).</summary>
    HiddenPageFault,
    /// <summary>Shadow paging: a guest write to a write-protected guest page table, traced and emulated.</summary>
    TracingPageFault,
    /// <summary>Shadow paging: a fault of the guest's own tables, reflected to the guest.</summary>
    TruePageFault,
    /// <summary>A sensitive unprivileged instruction that silently gave the guest a wrong result.</summary>
    FidelityViolation,
    /// <summary>A VM entry or exit that flushed the untagged TLB (no VPID).</summary>
    TlbFlush,

    // ---- IO ----
    /// <summary>An assigned device's interrupt, remapped by the IOMMU and posted to the vCPU by hardware; coded by IRQ.</summary>
    PostedInterrupt,
    /// <summary>A backend request handled in a service domain (Xen's Dom0): a switch to it and back.</summary>
    DomainSwitch,
}
