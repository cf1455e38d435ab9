namespace VirtPS.Engine.Trace;

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
