using VirtPS.Engine.Memory;

namespace VirtPS.Engine.Cpu;

/// <summary>Why <see cref="Machine.Run"/> returned.</summary>
public enum RunStop { Budget, Halt, Exception, Cancelled }

public readonly record struct RunResult(long Retired, RunStop Stop);

/// <summary>A bare x86-64 machine: one processor and guest-physical memory.</summary>
public sealed partial class Machine
{
    public Machine(ulong memoryBytes)
    {
        Memory = new PhysicalMemory(memoryBytes);
        Cpu = new Processor(Memory);
    }

    public PhysicalMemory Memory { get; }
    public Processor Cpu { get; }
    /// <summary>The exception that stopped the machine, if one did.</summary>
    public GuestException? LastException { get; private set; }
    public bool Halted { get; private set; }

    /// <summary>Runs until <paramref name="budget"/> instructions retire, HLT, or an unhandled exception.</summary>
    public RunResult Run(long budget) => throw new NotImplementedException();
}
