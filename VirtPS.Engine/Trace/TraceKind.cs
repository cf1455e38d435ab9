namespace VirtPS.Engine.Trace;

/// <summary>The kinds of architectural event a run can report, and stop on.</summary>
[Flags]
public enum TraceKind
{
    None = 0,
    /// <summary>An exception (any vector but #PF) delivered through the IDT.</summary>
    Exception = 1,
    /// <summary>A page fault delivered through the IDT.</summary>
    PageFault = 2,
    /// <summary>An external interrupt taken (the APIC timer).</summary>
    Interrupt = 4,
    /// <summary>A SYSCALL, or a software interrupt (INT n).</summary>
    Syscall = 8,
    /// <summary>A MOV to CR3 that changes the address space.</summary>
    ContextSwitch = 16,
    /// <summary>HLT stopped the machine.</summary>
    Halt = 32,
    /// <summary>The guest left for its virtual machine monitor: a VM exit (HardwareAssisted), a trap into the
    /// VMM (TrapAndEmulate), a callout from translated code (BinaryTranslation) or a hypercall (Paravirtual).</summary>
    VmmEntry = 64,
    /// <summary>A sensitive, unprivileged instruction gave the guest a result real hardware at CPL 0 would not.</summary>
    FidelityViolation = 128,
    /// <summary>A page fault the VMM took and resolved itself (shadow paging); the guest never sees it.</summary>
    HiddenPageFault = 256,
    /// <summary>The processor entered CPL 3 (user mode): a run can stop right after the instruction that got it there.
    /// Never traced, only stopped on (the start-up cost Compare-VStyle reports).</summary>
    UserEntry = 512,
}
