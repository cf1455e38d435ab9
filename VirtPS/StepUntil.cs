using VirtPS.Engine.Trace;

namespace VirtPS;

/// <summary>Events <c>Invoke-VStep -Until</c> runs a guest to.</summary>
public enum StepUntil
{
    /// <summary>Run until the guest executes HLT with nothing to wake it (or faults).</summary>
    Halt,
    /// <summary>Stop right after an exception is delivered to the guest kernel.</summary>
    Exception,
    /// <summary>Stop right after an external interrupt is taken.</summary>
    Interrupt,
    /// <summary>Stop right after a SYSCALL or INT n.</summary>
    Syscall,
    /// <summary>Stop right after a page fault is delivered.</summary>
    PageFault,
    /// <summary>Stop right after a CR3 load that changes the address space.</summary>
    ContextSwitch,
}
