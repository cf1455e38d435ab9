using System.Runtime.InteropServices;
using VirtPS.Engine.Cpu;
using VirtPS.Engine.Memory;

namespace VirtPS.Engine.Kvm;

/// <summary>Moving the guest's state between the simulator's machine and the vCPU: memory, registers, system state.</summary>
public sealed unsafe partial class KvmVirtualMachine
{
    /// <summary>MSRs the vCPU keeps in the kernel that a loader (or a run on the simulator) may have set.</summary>
    static readonly Msr[] StateMsrs = [Msr.Star, Msr.Lstar, Msr.Cstar, Msr.Fmask, Msr.KernelGsBase, Msr.TscAux];

    /// <summary>The simulator's memory is sparse: only frames it has touched exist, and only those are copied.</summary>
    void CopyMemoryIn()
    {
        var mem = Machine.Memory;
        ulong frames = mem.Size / PageSize;
        for (ulong pfn = 0; pfn < frames; pfn++)
            if (mem.IsResident(pfn))
                mem.Frame(pfn).AsSpan().CopyTo(new Span<byte>((byte*)_memory + pfn * PageSize, (int)PageSize));
    }

    /// <summary>Writes guest-physical memory while the guest is stopped: into the VM's memory and the machine's mirror.</summary>
    internal void WriteGuestMemory(ulong address, ReadOnlySpan<byte> data)
    {
        Machine.Memory.Write(address, data);
        data.CopyTo(new Span<byte>((byte*)_memory + address, data.Length));
    }

    /// <summary>
    /// Copies back every page the guest has touched (mincore: the host backs only those) that holds data or that
    /// the simulator had, so the machine's memory reads as the guest's.
    /// </summary>
    void CopyMemoryOut()
    {
        var mem = Machine.Memory;
        ulong frames = mem.Size / PageSize;
        var resident = (byte*)NativeMemory.Alloc((nuint)frames);
        try
        {
            if (LibC.Mincore(_memory, _memoryBytes, resident) != 0)
                new Span<byte>(resident, (int)frames).Fill(1);   // cannot tell: look at every page
            for (ulong pfn = 0; pfn < frames; pfn++)
            {
                if ((resident[pfn] & 1) == 0) continue;
                var page = new ReadOnlySpan<byte>((byte*)_memory + pfn * PageSize, (int)PageSize);
                if (mem.IsResident(pfn)) page.CopyTo(mem.Frame(pfn));
                else if (page.ContainsAnyExcept((byte)0)) page.CopyTo(mem.Frame(pfn));
            }
        }
        finally { NativeMemory.Free(resident); }
    }

    /// <summary>The processor's state as the vCPU's: general registers, RIP, RFLAGS, control registers, EFER, GDTR,
    /// IDTR, the segment registers with the hidden parts 64-bit mode gives them, TR and LDTR, and the SYSCALL MSRs.</summary>
    void LoadProcessorState()
    {
        var p = Machine.Cpu;
        var r = new KvmAbi.Regs
        {
            Rax = p.GetGpr(Gpr.Rax), Rbx = p.GetGpr(Gpr.Rbx), Rcx = p.GetGpr(Gpr.Rcx), Rdx = p.GetGpr(Gpr.Rdx),
            Rsi = p.GetGpr(Gpr.Rsi), Rdi = p.GetGpr(Gpr.Rdi), Rsp = p.GetGpr(Gpr.Rsp), Rbp = p.GetGpr(Gpr.Rbp),
            R8 = p.GetGpr(Gpr.R8), R9 = p.GetGpr(Gpr.R9), R10 = p.GetGpr(Gpr.R10), R11 = p.GetGpr(Gpr.R11),
            R12 = p.GetGpr(Gpr.R12), R13 = p.GetGpr(Gpr.R13), R14 = p.GetGpr(Gpr.R14), R15 = p.GetGpr(Gpr.R15),
            Rip = p.Rip, Rflags = p.Rflags,
        };
        if (LibC.Ioctl(_vcpu, KvmIoctl.SetRegs, (nint)(&r)) != 0) throw SetupFailed("KVM_SET_REGS");

        KvmAbi.Sregs s;
        if (LibC.Ioctl(_vcpu, KvmIoctl.GetSregs, (nint)(&s)) != 0) throw SetupFailed("KVM_GET_SREGS");
        int cpl = p.Cpl;
        s.Cs = new KvmAbi.Segment { Selector = p.Cs, Limit = 0xFFFF_FFFF, Type = 0xB, Present = 1, Dpl = (byte)cpl, S = 1, L = 1, G = 1 };
        s.Ss = Data(p.Ss, 0, (byte)cpl);
        s.Ds = Data(p.Ds, 0, 0);
        s.Es = Data(p.Es, 0, 0);
        s.Fs = Data(p.Fs, p.FsBase, 0);
        s.Gs = Data(p.Gs, p.GsBase, 0);
        // A long-mode VM entry needs a usable 64-bit TSS in TR; before the guest's LTR one that spans nothing does.
        s.Tr = new KvmAbi.Segment { Selector = p.Tr, Base = p.TrBase, Limit = p.Tr != 0 ? p.TrLimit : 0x67, Type = 0xB, Present = 1 };
        s.Ldt = p.Ldtr == 0 ? new KvmAbi.Segment { Unusable = 1 } : new KvmAbi.Segment { Selector = p.Ldtr, Type = 2, Present = 1 };
        s.Gdt = new KvmAbi.Dtable { Base = p.Gdtr.Base, Limit = p.Gdtr.Limit };
        s.Idt = new KvmAbi.Dtable { Base = p.Idtr.Base, Limit = p.Idtr.Limit };
        s.Cr0 = p.Cr0; s.Cr2 = p.Cr2; s.Cr3 = p.Cr3; s.Cr4 = p.Cr4; s.Cr8 = p.Cr8; s.Efer = p.Efer;
        for (int k = 0; k < 4; k++) s.InterruptBitmap[k] = 0;
        if (LibC.Ioctl(_vcpu, KvmIoctl.SetSregs, (nint)(&s)) != 0) throw SetupFailed("KVM_SET_SREGS");
        _idtLoaded = s.Idt.Limit != 0 || s.Idt.Base != 0;

        foreach (var m in StateMsrs)
        {
            ulong v = m switch
            {
                Msr.Star => p.Star, Msr.Lstar => p.Lstar, Msr.Cstar => p.Cstar, Msr.Fmask => p.Fmask,
                Msr.KernelGsBase => p.KernelGsBase, _ => p.TscAux,
            };
            // A KVM without the MSR (TSC_AUX without RDTSCP) refuses it; at its reset value that changes nothing.
            if (!SetMsr((uint)m, v) && v != 0) throw SetupFailed($"KVM_SET_MSRS(0x{(uint)m:X})");
        }
    }

    static KvmAbi.Segment Data(ushort selector, ulong @base, byte dpl) =>
        new() { Selector = selector, Base = @base, Limit = 0xFFFF_FFFF, Type = 0x3, Present = 1, Dpl = dpl, S = 1, Db = 1, G = 1 };

    bool SetMsr(uint index, ulong value)
    {
        var buffer = stackalloc byte[KvmAbi.MsrsHeaderSize + KvmAbi.MsrEntrySize];
        *(uint*)buffer = 1;
        *(KvmAbi.MsrEntry*)(buffer + KvmAbi.MsrsHeaderSize) = new KvmAbi.MsrEntry { Index = index, Data = value };
        return LibC.Ioctl(_vcpu, KvmIoctl.SetMsrs, (nint)buffer) == 1;   // returns how many were set
    }

    ulong? GetMsr(uint index)
    {
        var buffer = stackalloc byte[KvmAbi.MsrsHeaderSize + KvmAbi.MsrEntrySize];
        *(uint*)buffer = 1;
        var e = (KvmAbi.MsrEntry*)(buffer + KvmAbi.MsrsHeaderSize);
        *e = new KvmAbi.MsrEntry { Index = index };
        return LibC.Ioctl(_vcpu, KvmIoctl.GetMsrs, (nint)buffer) == 1 ? e->Data : null;
    }

    /// <summary>After a run: the vCPU's state and the guest's memory into the machine, for inspection.</summary>
    void CopyStateOut()
    {
        var p = Machine.Cpu;
        KvmAbi.Regs r;
        KvmAbi.Sregs s;
        if (LibC.Ioctl(_vcpu, KvmIoctl.GetRegs, (nint)(&r)) != 0 || LibC.Ioctl(_vcpu, KvmIoctl.GetSregs, (nint)(&s)) != 0)
        {
            LastException ??= new GuestException(ExceptionVector.MC, null, p.Rip, [], null, $"internal: cannot read the vCPU's state: {LibC.Describe(LibC.Errno)}");
            return;
        }
        ReadOnlySpan<ulong> gprs = [r.Rax, r.Rcx, r.Rdx, r.Rbx, r.Rsp, r.Rbp, r.Rsi, r.Rdi, r.R8, r.R9, r.R10, r.R11, r.R12, r.R13, r.R14, r.R15];
        for (int k = 0; k < 16; k++) p.SetGpr((Gpr)k, gprs[k]);   // Gpr is in encoding order; kvm_regs is not
        p.Rip = r.Rip;
        p.Rflags = r.Rflags;
        p.Cr0 = s.Cr0; p.Cr2 = s.Cr2; p.Cr3 = s.Cr3; p.Cr4 = s.Cr4; p.Efer = s.Efer;
        p.Gdtr = new TableRegister(s.Gdt.Base, s.Gdt.Limit);
        p.Idtr = new TableRegister(s.Idt.Base, s.Idt.Limit);
        p.Cs = s.Cs.Selector; p.Ss = s.Ss.Selector; p.Ds = s.Ds.Selector; p.Es = s.Es.Selector; p.Fs = s.Fs.Selector; p.Gs = s.Gs.Selector;
        p.FsBase = s.Fs.Base; p.GsBase = s.Gs.Base;
        p.Ldtr = s.Ldt.Selector;
        p.Tr = s.Tr.Selector; p.TrBase = s.Tr.Base; p.TrLimit = s.Tr.Limit;
        foreach (var m in StateMsrs)
        {
            if (GetMsr((uint)m) is not { } v) continue;
            switch (m)
            {
                case Msr.Star: p.Star = v; break;
                case Msr.Lstar: p.Lstar = v; break;
                case Msr.Cstar: p.Cstar = v; break;
                case Msr.Fmask: p.Fmask = v; break;
                case Msr.KernelGsBase: p.KernelGsBase = v; break;
                default: p.TscAux = v; break;
            }
        }
        CopyMemoryOut();
        // The machine's translations were made for the state it had before: none may stand for the guest's now.
        p.InvalidateTlbAll();
        Machine.MirrorStop(Halted, LastException);
    }
}
