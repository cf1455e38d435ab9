namespace VirtPS.Engine.Guests;

/// <summary>Why a run of guest code stopped.</summary>
public enum StopReason
{
    /// <summary>The requested number of instructions retired.</summary>
    InstructionLimit,
    /// <summary>The guest executed HLT.</summary>
    Halt,
    /// <summary>The guest raised an exception it does not handle (see <see cref="Guest.LastException"/>), or,
    /// with -Until Exception, one was delivered to its kernel (the guest stays Ready).</summary>
    Exception,
    /// <summary>The caller cancelled the run (Ctrl+C); the guest is consistent and can be stepped again.</summary>
    Cancelled,
    /// <summary>-Until Interrupt: an external interrupt was taken.</summary>
    Interrupt,
    /// <summary>-Until Syscall: the guest made a system call.</summary>
    Syscall,
    /// <summary>-Until PageFault: a page fault was delivered to the guest kernel.</summary>
    PageFault,
    /// <summary>-Until ContextSwitch: the guest loaded a new CR3.</summary>
    ContextSwitch,
    /// <summary>An exception could not be delivered even as a double fault: the machine shut down
    /// (see <see cref="Guest.LastException"/> and its Chain).</summary>
    TripleFault,
}

/// <summary>The outcome of one <see cref="Guest.Step"/> call.</summary>
public sealed class StepResult
{
    internal StepResult(Guest guest, long instructions, long cycles, StopReason reason, double hostSeconds, Cpu.GuestException? exception = null)
    { Guest = guest; Instructions = instructions; Cycles = cycles; StopReason = reason; HostSeconds = hostSeconds; Exception = exception; }
    /// <summary>The exception that stopped the guest (for a triple fault, with the chain of exceptions that led to it).</summary>
    public Cpu.GuestException? Exception { get; }
    public Guest Guest { get; }
    /// <summary>Instructions retired during this step.</summary>
    public long Instructions { get; }
    /// <summary>Simulated cycles counted during this step.</summary>
    public long Cycles { get; }
    public StopReason StopReason { get; }
    /// <summary>Wall-clock seconds the host spent in this step.</summary>
    public double HostSeconds { get; }
    /// <summary>Guest instructions per host second, in millions.</summary>
    public double Mips => HostSeconds > 0 ? Instructions / HostSeconds / 1e6 : 0;
}
