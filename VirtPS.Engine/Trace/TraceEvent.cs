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
}

/// <summary>
/// One event: what happened, after how many retired instructions, where (RIP and CPL before the event),
/// and the details the SDM gives it (vector, error code, CR2 for #PF, the CR3 now in force), and the process.
/// </summary>
public sealed record TraceEvent(long Instruction, TraceKind Kind, ulong Rip, int Cpl, int? Vector, ulong? ErrorCode, ulong? Cr2, ulong Cr3)
{
    /// <summary>The process the guest's kernel was running when the event happened (built-in kernel only).</summary>
    public long? ProcessId { get; init; }
    /// <summary>For VMM events: the exit reason, trap, callout or hypercall, and what happened (for a fidelity
    /// violation: the instruction, what the guest got and what CPL 0 would have given).</summary>
    public string? Detail { get; init; }
    /// <summary>For a VM exit: the Intel SDM exit qualification.</summary>
    public ulong? Qualification { get; init; }
    public string VectorName => Vector is int v ? (v < 32 ? "#" + (ExceptionVector)v : $"0x{v:X2}") : "";
}
