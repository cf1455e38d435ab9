namespace VirtPS.Engine.Guests;

/// <summary>Why a run of guest code stopped.</summary>
public enum StopReason
{
    /// <summary>The requested number of instructions retired.</summary>
    InstructionLimit,
    /// <summary>The guest executed HLT.</summary>
    Halt,
    /// <summary>The guest raised an exception it does not handle (see <see cref="Guest.LastException"/>).</summary>
    Exception,
    /// <summary>The caller cancelled the run (Ctrl+C); the guest is consistent and can be stepped again.</summary>
    Cancelled,
    /// <summary>An exception could not be delivered even as a double fault: the machine shut down
    /// (see <see cref="Guest.LastException"/> and its Chain).</summary>
    TripleFault,
}

/// <summary>The outcome of one <see cref="Guest.Step"/> call.</summary>
public sealed class StepResult
{
    internal StepResult(Guest guest, long instructions, long cycles, StopReason reason, double hostSeconds)
    { Guest = guest; Instructions = instructions; Cycles = cycles; StopReason = reason; HostSeconds = hostSeconds; }
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
