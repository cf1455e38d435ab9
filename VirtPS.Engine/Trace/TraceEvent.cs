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
}

/// <summary>
/// One event: what happened, after how many retired instructions, where (RIP and CPL before the event),
/// and the details the SDM gives it (vector, error code, CR2 for #PF, the CR3 now in force), and the process.
/// </summary>
public sealed record TraceEvent(long Instruction, TraceKind Kind, ulong Rip, int Cpl, int? Vector, ulong? ErrorCode, ulong? Cr2, ulong Cr3)
{
    /// <summary>The process the guest's kernel was running when the event happened (built-in kernel only).</summary>
    public long? ProcessId { get; init; }
    public string VectorName => Vector is int v ? (v < 32 ? "#" + (Cpu.ExceptionVector)v : $"0x{v:X2}") : "";
}
