using VirtPS.Engine.Trace;

namespace VirtPS.Engine.Cpu;

/// <summary>
/// The architectural events virtualization cares about, as the processor's <see cref="EventLedger"/> recorded them:
/// what tests compare with a workload's own arithmetic.
/// </summary>
public sealed class MachineEvents(EventLedger ledger)
{
    /// <summary>SYSCALL instructions executed.</summary>
    public long Syscalls => ledger[GuestEvent.Syscall];
    /// <summary>MOV to CR3 (address-space switches).</summary>
    public long Cr3Loads => ledger[GuestEvent.Cr3Load];
    /// <summary>External interrupts taken.</summary>
    public long Interrupts => ledger[GuestEvent.Interrupt];
    /// <summary>Software interrupts (INT n, INT3) taken.</summary>
    public long SoftwareInterrupts => ledger[GuestEvent.SoftwareInterrupt];
    /// <summary>INVLPG executed.</summary>
    public long Invlpgs => ledger[GuestEvent.Invlpg];

    /// <summary>Exceptions (vectors 0-31) delivered through the IDT, by vector.</summary>
    public long Exceptions(ExceptionVector v) => (int)v < 32 ? ledger.Count(GuestEvent.Exception, (int)v) : 0;
    public long PageFaults => Exceptions(ExceptionVector.PF);
}
