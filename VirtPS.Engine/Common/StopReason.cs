namespace VirtPS.Engine;

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
    /// <summary>The step's host-time limit ran out (a KVM guest's budget: its instructions cannot be counted).</summary>
    TimeLimit,
}
