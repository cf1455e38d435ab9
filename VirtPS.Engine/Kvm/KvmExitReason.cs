namespace VirtPS.Engine.Kvm;

/// <summary>
/// Why KVM_RUN returned to the VMM: kvm_run.exit_reason, numbered as include/uapi/linux/kvm.h numbers
/// KVM_EXIT_*. These are the exits that reach userspace; the many a host kernel handles itself (EPT or shadow
/// page faults, CPUID, most MSRs, CR accesses) never appear here, and <see cref="KvmVirtualMachine.KernelStatistics"/>
/// counts those.
/// </summary>
public enum KvmExitReason
{
    Unknown = 0,
    Exception = 1,
    /// <summary>IN, OUT or a string IO instruction on a port no in-kernel device owns.</summary>
    Io = 2,
    Hypercall = 3,
    Debug = 4,
    /// <summary>HLT, with the local APIC in userspace (no in-kernel irqchip).</summary>
    Hlt = 5,
    /// <summary>An access to guest-physical memory no memory slot backs.</summary>
    Mmio = 6,
    /// <summary>The guest can take an interrupt now (request_interrupt_window was set).</summary>
    IrqWindowOpen = 7,
    /// <summary>The processor shut down: a triple fault.</summary>
    Shutdown = 8,
    FailEntry = 9,
    /// <summary>KVM_RUN was interrupted by a signal (the watchdog's kick, or one the runtime sent).</summary>
    Intr = 10,
    /// <summary>The guest lowered its task priority (MOV to CR8) while KVM intercepts CR8 for a userspace APIC.</summary>
    SetTpr = 12,
    InternalError = 17,
    /// <summary>RDMSR that KVM deflected to userspace (KVM_CAP_X86_USER_SPACE_MSR).</summary>
    X86Rdmsr = 29,
    /// <summary>WRMSR that KVM deflected to userspace.</summary>
    X86Wrmsr = 30,
}
