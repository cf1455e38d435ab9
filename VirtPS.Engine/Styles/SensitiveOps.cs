using Iced.Intel;

namespace VirtPS.Engine.Styles;

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
