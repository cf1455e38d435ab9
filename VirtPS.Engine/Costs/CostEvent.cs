namespace VirtPS.Engine.Costs;

/// <summary>
/// The primitive events a run is charged for. A cost model prices each one in cycles; every composite
/// figure (a workload's cycles, a style's overhead) is a sum of counted events times these prices.
/// The order is the order of the profiles' JSON fields and of <see cref="EventCounts"/>' array.
/// </summary>
public enum CostEvent
{
    /// <summary>An instruction retired by direct execution on the CPU.</summary>
    Instruction,
    /// <summary>A near CALL, beyond what a plain instruction costs (the return-stack push and the redirect).</summary>
    NearCall,
    /// <summary>A near RET, beyond what a plain instruction costs (the return-stack pop and the redirect).</summary>
    NearReturn,
    /// <summary>SYSCALL's entry into the kernel, beyond what a plain instruction costs.</summary>
    Syscall,
    /// <summary>SYSRET's return to user mode, beyond what a plain instruction costs.</summary>
    Sysret,
    /// <summary>An exception or interrupt delivered through the IDT by the hardware.</summary>
    ExceptionDelivery,
    /// <summary>IRET returning from an exception or interrupt handler.</summary>
    Iret,
    /// <summary>MOV to CR8 (the task-priority register).</summary>
    Cr8Write,
    /// <summary>MOV to CR3, including the TLB flush it causes (refills are counted as page-walk references).</summary>
    Cr3Load,
    /// <summary>INVLPG: invalidating one TLB entry.</summary>
    Invlpg,
    /// <summary>CPUID executed by the hardware.</summary>
    Cpuid,
    /// <summary>RDMSR or WRMSR executed by the hardware.</summary>
    MsrAccess,
    /// <summary>An IN or OUT reaching a device on the bare machine.</summary>
    PortAccess,
    /// <summary>A VMM's software device model handling one IN or OUT it intercepted (no real device is touched).</summary>
    DeviceEmulation,
    /// <summary>One memory reference of a hardware page walk.</summary>
    PageWalkReference,
    /// <summary>One instruction run by an emulator's interpreter (fetch, decode, dispatch, execute).</summary>
    InterpretedInstruction,
    /// <summary>One software-MMU translation lookup made by an emulator.</summary>
    SoftMmuLookup,
    /// <summary>An instruction executed from a binary-translation cache.</summary>
    TranslatedInstruction,
    /// <summary>Translating one guest instruction into the translation cache.</summary>
    TranslateInstruction,
    /// <summary>Translated code calling out into the VMM and returning.</summary>
    Callout,
    /// <summary>Translated code looking up an indirect branch or return target in the translation cache.</summary>
    IndirectBranchLookup,
    /// <summary>A fault from deprivileged guest code into the VMM and back.</summary>
    Trap,
    /// <summary>The VMM fetching, decoding and emulating one guest instruction.</summary>
    EmulateInstruction,
    /// <summary>A VM exit plus the VM entry that resumes the guest (a round trip).</summary>
    VmExit,
    /// <summary>The VMM's software path for one VM exit: reading the exit information (VMREAD), saving and
    /// restoring the guest state the hardware does not switch, dispatching to the handler, resuming.</summary>
    ExitHandling,
    /// <summary>A paravirtual hypercall round trip.</summary>
    Hypercall,
    /// <summary>One update inside a batched hypercall, validated by the hypervisor.</summary>
    HypercallBatchEntry,
    /// <summary>A hosted (type 2) VMM switching to the host OS and back.</summary>
    WorldSwitch,
    /// <summary>A backend request served in a service domain (Xen's Dom0) and the way back: event-channel notifications
    /// and two address-space switches.</summary>
    DomainSwitch,
    /// <summary>A device backend in the VMM (or its service domain, or the host OS) handling one request: parsing it, submitting
    /// it to the host's file or network and completing it. An assigned device's requests cost the CPU nothing: its own
    /// hardware does them.</summary>
    BackendRequest,
    /// <summary>A backend copying one 64-byte cache line between guest memory and a host buffer (an assigned device moves
    /// its data by DMA instead).</summary>
    BackendCopyLine,
    /// <summary>An IN or OUT that reaches a PCI function's IO BAR directly (an assigned device, or the bare machine's):
    /// a non-posted PCI Express transaction and its completion, not the legacy bus's slow cycle.</summary>
    PciIoAccess,
    /// <summary>Injecting a virtual interrupt or exception into the guest.</summary>
    InterruptInjection,
    /// <summary>The VMM filling or zapping one shadow page-table entry, including its software walk of the guest's tables.</summary>
    ShadowUpdate,
}
