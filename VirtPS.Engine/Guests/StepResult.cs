namespace VirtPS.Engine.Guests;

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
