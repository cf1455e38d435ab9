using System.Runtime.InteropServices;

namespace VirtPS.Engine.Kvm;

/// <summary>
/// The structures KVM's ioctls take, laid out byte for byte as include/uapi/linux/kvm.h and
/// arch/x86/include/uapi/asm/kvm.h declare them for x86-64 (field names from there). Tests pin each size and
/// the kvm_run offsets against the headers.
/// </summary>
public static unsafe class KvmAbi
{
    public const int RegsSize = 144, SegmentSize = 24, DtableSize = 16, SregsSize = 312, UserspaceMemoryRegionSize = 32,
        Cpuid2HeaderSize = 8, CpuidEntry2Size = 40, MsrsHeaderSize = 8, MsrEntrySize = 16,
        MsrFilterRangeSize = 24, MsrFilterSize = 392, EnableCapSize = 104, StatsHeaderSize = 24, StatsDescHeaderSize = 16;

    /// <summary>struct kvm_regs.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct Regs
    {
        public ulong Rax, Rbx, Rcx, Rdx, Rsi, Rdi, Rsp, Rbp, R8, R9, R10, R11, R12, R13, R14, R15, Rip, Rflags;
    }

    /// <summary>struct kvm_segment: a segment register with its hidden part (the descriptor cache).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct Segment
    {
        public ulong Base;
        public uint Limit;
        public ushort Selector;
        public byte Type, Present, Dpl, Db, S, L, G, Avl, Unusable, Padding;
    }

    /// <summary>struct kvm_dtable: GDTR or IDTR.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct Dtable
    {
        public ulong Base;
        public ushort Limit;
        ushort _padding0, _padding1, _padding2;
    }

    /// <summary>struct kvm_sregs.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct Sregs
    {
        public Segment Cs, Ds, Es, Fs, Gs, Ss, Tr, Ldt;
        public Dtable Gdt, Idt;
        public ulong Cr0, Cr2, Cr3, Cr4, Cr8, Efer, ApicBase;
        /// <summary>Pending external interrupts (KVM_NR_INTERRUPTS = 256 bits).</summary>
        public fixed ulong InterruptBitmap[4];
    }

    /// <summary>struct kvm_userspace_memory_region.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct UserspaceMemoryRegion
    {
        public uint Slot, Flags;
        public ulong GuestPhysAddr, MemorySize, UserspaceAddr;
    }

    /// <summary>struct kvm_cpuid_entry2 (follows the 8-byte kvm_cpuid2 header: nent, padding).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct CpuidEntry2
    {
        public uint Function, Index, Flags, Eax, Ebx, Ecx, Edx;
        fixed uint _padding[3];
    }

    /// <summary>struct kvm_msr_entry (follows the 8-byte kvm_msrs header: nmsrs, pad).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct MsrEntry
    {
        public uint Index, Reserved;
        public ulong Data;
    }

    /// <summary>struct kvm_msr_filter_range: <see cref="Nmsrs"/> MSRs from <see cref="Base"/>, one bit each in
    /// <see cref="Bitmap"/> (1 = allowed in the kernel, 0 = denied: deflected to userspace).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct MsrFilterRange
    {
        public uint Flags, Nmsrs, Base;
        public nint Bitmap;
    }

    /// <summary>struct kvm_msr_filter: flags and up to 16 ranges (KVM_MSR_FILTER_MAX_RANGES).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct MsrFilter
    {
        public uint Flags;
        public MsrFilterRange Range0, Range1, Range2, Range3, Range4, Range5, Range6, Range7,
            Range8, Range9, Range10, Range11, Range12, Range13, Range14, Range15;
    }

    public const uint MsrFilterRead = 1, MsrFilterWrite = 2, MsrFilterDefaultAllow = 0, MsrFilterDefaultDeny = 1;
    /// <summary>KVM_CAP_X86_USER_SPACE_MSR reasons: MSRs that would #GP (INVAL), that KVM does not know (UNKNOWN),
    /// that the filter denies (FILTER).</summary>
    public const ulong MsrExitReasonInval = 1, MsrExitReasonUnknown = 2, MsrExitReasonFilter = 4;

    /// <summary>struct kvm_enable_cap.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct EnableCap
    {
        public uint Cap, Flags;
        public fixed ulong Args[4];
        fixed byte _pad[64];
    }

    /// <summary>
    /// The start of struct kvm_run, the page shared with the kernel through mmap on the vCPU fd: the fixed header
    /// and the exit-information union at offset 32, one view per exit this backend serves.
    /// </summary>
    [StructLayout(LayoutKind.Explicit)]
    public struct Run
    {
        [FieldOffset(0)] public byte RequestInterruptWindow;
        [FieldOffset(1)] public byte ImmediateExit;
        [FieldOffset(8)] public uint ExitReason;
        [FieldOffset(12)] public byte ReadyForInterruptInjection;
        [FieldOffset(13)] public byte IfFlag;
        [FieldOffset(14)] public ushort Flags;
        [FieldOffset(16)] public ulong Cr8;
        [FieldOffset(24)] public ulong ApicBase;
        // KVM_EXIT_IO
        [FieldOffset(32)] public byte IoDirection;
        [FieldOffset(33)] public byte IoSize;
        [FieldOffset(34)] public ushort IoPort;
        [FieldOffset(36)] public uint IoCount;
        [FieldOffset(40)] public ulong IoDataOffset;
        // KVM_EXIT_MMIO
        [FieldOffset(32)] public ulong MmioPhysAddr;
        [FieldOffset(40)] public ulong MmioData;
        [FieldOffset(48)] public uint MmioLen;
        [FieldOffset(52)] public byte MmioIsWrite;
        // KVM_EXIT_X86_RDMSR / KVM_EXIT_X86_WRMSR
        [FieldOffset(32)] public byte MsrError;
        [FieldOffset(40)] public uint MsrReason;
        [FieldOffset(44)] public uint MsrIndex;
        [FieldOffset(48)] public ulong MsrData;
        // KVM_EXIT_INTERNAL_ERROR
        [FieldOffset(32)] public uint InternalSuberror;
        [FieldOffset(36)] public uint InternalNdata;
        // KVM_EXIT_FAIL_ENTRY
        [FieldOffset(32)] public ulong FailEntryHardwareReason;
    }

    public const byte IoDirectionIn = 0, IoDirectionOut = 1;
}
