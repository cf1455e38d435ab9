namespace VirtPS.Engine;

/// <summary>
/// The instructions a virtual machine monitor has to care about, in two groups. Privileged ones fault
/// (#GP) when run above CPL 0, so a deprivileged guest kernel traps on them. The sensitive but
/// unprivileged ones (Robin &amp; Irvine, USENIX Security 2000, section 4) read or change privileged state
/// yet run at any CPL without a fault: they are why classic x86 is not virtualizable (Popek &amp;
/// Goldberg 1974). Control transfers into and out of the kernel are listed too, because every VMM
/// takes part in them.
/// </summary>
public enum SensitiveOp : byte
{
    None,
    // ---- privileged (fault at CPL > 0) ----
    MovToCr, MovFromCr, Rdmsr, Wrmsr, Hlt, CliSti, PortIo, Invlpg, Invpcid, CacheFlush, DescriptorLoad, Swapgs,
    Sysret, Iret,
    // ---- always of interest: CPUID (VT-x exits on it unconditionally), VMCALL (the hypercall), SYSCALL ----
    Cpuid, Vmcall, Syscall,
    // ---- sensitive, unprivileged (Robin & Irvine) ----
    Pushf, Popf, MovFromSegment, PushSegment, DescriptorStore, SegmentCheck, FarTransfer, SoftwareInterrupt,
}
