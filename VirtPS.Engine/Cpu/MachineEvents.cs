namespace VirtPS.Engine.Cpu;

/// <summary>
/// Counts of the architectural events virtualization cares about, kept by the processor as they happen:
/// what a cost model multiplies, and what tests compare with a workload's own arithmetic.
/// </summary>
public sealed class MachineEvents
{
    readonly long[] _exceptions = new long[32];

    /// <summary>SYSCALL instructions executed.</summary>
    public long Syscalls { get; internal set; }
    /// <summary>MOV to CR3 (address-space switches).</summary>
    public long Cr3Loads { get; internal set; }
    /// <summary>External interrupts taken.</summary>
    public long Interrupts { get; internal set; }
    /// <summary>Software interrupts (INT n, INT3) taken.</summary>
    public long SoftwareInterrupts { get; internal set; }
    /// <summary>INVLPG executed.</summary>
    public long Invlpgs { get; internal set; }

    /// <summary>Exceptions (vectors 0-31) delivered through the IDT, by vector.</summary>
    public long Exceptions(ExceptionVector v) => (int)v < 32 ? _exceptions[(int)v] : 0;
    internal void CountException(ExceptionVector v) { if ((int)v < 32) _exceptions[(int)v]++; }
    public long PageFaults => _exceptions[(int)ExceptionVector.PF];
}
