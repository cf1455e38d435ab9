using Iced.Intel;

namespace VirtPS.Engine.Styles;

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

public static class SensitiveOps
{
    /// <summary>Faults at CPL &gt; 0 (CLI/STI and port IO: when CPL &gt; IOPL, which is how a VMM runs its guest).</summary>
    public static bool IsPrivileged(SensitiveOp op) => op is >= SensitiveOp.MovToCr and <= SensitiveOp.Iret;

    /// <summary>Runs at any CPL without a fault but behaves differently outside CPL 0 (Robin &amp; Irvine's list).</summary>
    public static bool IsSensitiveUnprivileged(SensitiveOp op) => op >= SensitiveOp.Pushf;

    /// <summary>What a decoded instruction is, for a VMM.</summary>
    internal static SensitiveOp Classify(in Instruction ins) => ins.Mnemonic switch
    {
        Mnemonic.Mov when ins.Op0Kind == OpKind.Register && ins.Op0Register.IsCR() => SensitiveOp.MovToCr,
        Mnemonic.Mov when ins.Op1Kind == OpKind.Register && ins.Op1Register.IsCR() => SensitiveOp.MovFromCr,
        Mnemonic.Mov when ins.Op1Kind == OpKind.Register && ins.Op1Register is Register.CS or Register.SS => SensitiveOp.MovFromSegment,
        Mnemonic.Push when ins.Op0Kind == OpKind.Register && ins.Op0Register.IsSegmentRegister() => SensitiveOp.PushSegment,
        Mnemonic.Rdmsr => SensitiveOp.Rdmsr,
        Mnemonic.Wrmsr => SensitiveOp.Wrmsr,
        Mnemonic.Hlt => SensitiveOp.Hlt,
        Mnemonic.Cli or Mnemonic.Sti => SensitiveOp.CliSti,
        Mnemonic.In or Mnemonic.Out or Mnemonic.Insb or Mnemonic.Insw or Mnemonic.Insd
            or Mnemonic.Outsb or Mnemonic.Outsw or Mnemonic.Outsd => SensitiveOp.PortIo,
        Mnemonic.Invlpg => SensitiveOp.Invlpg,
        Mnemonic.Invpcid => SensitiveOp.Invpcid,
        Mnemonic.Invd or Mnemonic.Wbinvd => SensitiveOp.CacheFlush,
        Mnemonic.Lgdt or Mnemonic.Lidt or Mnemonic.Lldt or Mnemonic.Ltr or Mnemonic.Lmsw => SensitiveOp.DescriptorLoad,
        Mnemonic.Swapgs => SensitiveOp.Swapgs,
        Mnemonic.Sysret or Mnemonic.Sysretq => SensitiveOp.Sysret,
        Mnemonic.Iretq or Mnemonic.Iretd or Mnemonic.Iret => SensitiveOp.Iret,
        Mnemonic.Cpuid => SensitiveOp.Cpuid,
        Mnemonic.Vmcall => SensitiveOp.Vmcall,
        Mnemonic.Syscall => SensitiveOp.Syscall,
        Mnemonic.Pushf or Mnemonic.Pushfq or Mnemonic.Pushfd => SensitiveOp.Pushf,
        Mnemonic.Popf or Mnemonic.Popfq or Mnemonic.Popfd => SensitiveOp.Popf,
        Mnemonic.Sgdt or Mnemonic.Sidt or Mnemonic.Sldt or Mnemonic.Str or Mnemonic.Smsw => SensitiveOp.DescriptorStore,
        Mnemonic.Lar or Mnemonic.Lsl or Mnemonic.Verr or Mnemonic.Verw => SensitiveOp.SegmentCheck,
        Mnemonic.Call or Mnemonic.Jmp when ins.Op0Kind == OpKind.Memory && ins.MemorySize is MemorySize.SegPtr32 or MemorySize.SegPtr64
            => SensitiveOp.FarTransfer,
        Mnemonic.Retf => SensitiveOp.FarTransfer,
        Mnemonic.Int or Mnemonic.Int3 or Mnemonic.Into => SensitiveOp.SoftwareInterrupt,
        _ => SensitiveOp.None,
    };
}
