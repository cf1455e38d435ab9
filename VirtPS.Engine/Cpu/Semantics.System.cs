using Iced.Intel;

namespace VirtPS.Engine.Cpu;

/// <summary>System instructions (Intel SDM Vol. 2 and Vol. 3A): privilege checks first, then the effect.</summary>
internal static unsafe partial class Semantics
{
    static GuestFault Gp0(string why) => new(ExceptionVector.GP, 0, null, why);

    // ---- control registers (SDM Vol. 3A, 2.5; Vol. 2B, MOV—Move to/from Control Registers) ----

    internal static void MovToCr(Processor p, Insn i)
    {
        p.RequireCpl0();
        ulong v = p.R[i.R1];
        switch (i.Op)
        {
            case 0:
                if (v >> 32 != 0) throw Gp0("CR0 bits 63:32 are reserved");
                if ((v & Processor.Cr0PG) == 0 || (v & Processor.Cr0PE) == 0) throw Gp0("clearing CR0.PG or CR0.PE leaves long mode, which this machine does not model");
                if ((v & Processor.Cr0NW) != 0 && (v & Processor.Cr0CD) == 0) throw Gp0("CR0.NW without CR0.CD");
                ulong was0 = p.Cr0;
                p.Cr0 = v | Processor.Cr0ET;
                // Paging changes (PG, WP, CD) invalidate every translation (SDM Vol. 3A, 4.10.4.1).
                if (((was0 ^ p.Cr0) & (Processor.Cr0PG | Processor.Cr0WP | Processor.Cr0CD | Processor.Cr0PE)) != 0) p.InvalidateTlbAll();
                break;
            case 2: p.Cr2 = v; break;
            case 3:
            {
                // With PCIDE, bit 63 asks the TLB to keep the PCID's entries; it is not part of CR3.
                ulong cr3 = (p.Cr4 & Processor.Cr4PCIDE) != 0 ? v & ~(1UL << 63) : v;
                if (cr3 >> Processor.MaxPhysAddr != 0) throw Gp0("CR3 sets bits above the physical-address width");
                bool changed = cr3 != p.Cr3;
                p.Cr3 = cr3;
                p.Ledger.Record(Trace.GuestEvent.Cr3Load);
                if (changed) p.Report(Trace.TraceKind.ContextSwitch, i.Ip, 0);
                p.OnCr3Load(keep: (p.Cr4 & Processor.Cr4PCIDE) != 0 && (v >> 63) != 0);
                break;
            }
            case 4:
                if ((v & ~Processor.Cr4Writable) != 0) throw Gp0("reserved CR4 bits");
                if ((v & Processor.Cr4PAE) == 0) throw Gp0("clearing CR4.PAE in long mode");
                if ((v & Processor.Cr4PCIDE) != 0 && (p.Cr4 & Processor.Cr4PCIDE) == 0 && (p.Cr3 & 0xFFF) != 0)
                    throw Gp0("setting CR4.PCIDE while CR3[11:0] is not zero");
                if ((v & Processor.Cr4PCIDE) != 0 && !p.PcidSupported) throw Gp0("setting CR4.PCIDE on a processor without PCIDs (CPUID.1:ECX[17] = 0)");
                ulong was4 = p.Cr4;
                p.Cr4 = v;
                // PGE, PAE, PSE, PCIDE, SMEP or SMAP changes invalidate every translation, global ones included.
                const ulong paging4 = Processor.Cr4PGE | Processor.Cr4PAE | 0x10 | Processor.Cr4PCIDE | Processor.Cr4SMEP | Processor.Cr4SMAP;
                if (((was4 ^ v) & paging4) != 0) p.InvalidateTlbAll();
                break;
            case 8:
                if (v >> 4 != 0) throw Gp0("CR8 bits 63:4 are reserved");
                p.Cr8 = v;
                break;
        }
    }

    internal static void MovFromCr(Processor p, Insn i)
    {
        p.RequireCpl0();
        p.R[i.R0] = i.Op switch { 0 => p.Cr0, 2 => p.Cr2, 3 => p.Cr3, 4 => p.Cr4, _ => p.Cr8 };
    }

    // ---- MSRs, CPUID, time stamp counter ----

    internal static long Tsc(Processor p, Insn i) => p.Retired + i.IndexInBlock + p.TscOffset;

    internal static void Rdmsr(Processor p, Insn i)
    {
        p.RequireCpl0();
        ulong v = p.ReadMsr((uint)p.R[(int)Gpr.Rcx], Tsc(p, i), i.IndexInBlock);
        p.R[(int)Gpr.Rax] = (uint)v;
        p.R[(int)Gpr.Rdx] = v >> 32;
    }

    internal static void Wrmsr(Processor p, Insn i)
    {
        p.RequireCpl0();
        p.WriteMsr((uint)p.R[(int)Gpr.Rcx], ((ulong)(uint)p.R[(int)Gpr.Rdx] << 32) | (uint)p.R[(int)Gpr.Rax], Tsc(p, i), i.IndexInBlock);
    }

    /// <summary>RDTSC: the TSC counts retired instructions (the Native profile's one cycle each), so it is
    /// deterministic. CR4.TSD makes it privileged.</summary>
    internal static void Rdtsc(Processor p, Insn i)
    {
        if ((p.Cr4 & Processor.Cr4TSD) != 0 && p.Cpl != 0) throw Gp0("RDTSC at CPL > 0 with CR4.TSD set");
        ulong t = (ulong)Tsc(p, i);
        p.R[(int)Gpr.Rax] = (uint)t;
        p.R[(int)Gpr.Rdx] = t >> 32;
        if (i.Op == 1) p.R[(int)Gpr.Rcx] = p.TscAux;   // RDTSCP
    }

    internal static void Cpuid(Processor p, Insn i)
    {
        uint leaf = (uint)p.R[(int)Gpr.Rax];
        var (a, b, c, d) = CpuidLeaves.Query(leaf, (uint)p.R[(int)Gpr.Rcx]);
        if (leaf == 1 && !p.PcidSupported) c &= ~(1u << 17);
        p.R[(int)Gpr.Rax] = a; p.R[(int)Gpr.Rbx] = b; p.R[(int)Gpr.Rcx] = c; p.R[(int)Gpr.Rdx] = d;
    }

    // ---- interrupt flag, halting, caches ----

    /// <summary>CLI/STI (Op 0/1): allowed when CPL ≤ IOPL, else #GP(0) (SDM Vol. 2A, CLI).</summary>
    internal static void CliSti(Processor p, Insn i)
    {
        if (p.Cpl > p.Iopl) throw Gp0($"CLI/STI at CPL {p.Cpl} with IOPL {p.Iopl}");
        p.SetFlag(RFlags.IF, i.Op == 1);
    }

    internal static void HltPrivileged(Processor p, Insn i)
    {
        p.RequireCpl0();
        p.Halted = true;
    }

    /// <summary>INVLPG, WBINVD, INVD: privileged. INVLPG invalidates the page's TLB entries and the walk caches.</summary>
    internal static void CacheControl(Processor p, Insn i)
    {
        p.RequireCpl0();
        if (i.Decoded.Mnemonic != Mnemonic.Invlpg) return;   // the caches WBINVD and INVD act on are not modelled
        p.Ledger.Record(Trace.GuestEvent.Invlpg);
        p.InvalidateTlbPage(i.Ea(p));
    }

    /// <summary>FNINIT resets the x87 FPU. The engine models no x87 registers (x87 arithmetic is #UD), so what remains is
    /// its check: #NM when CR0.EM or CR0.TS is set (Intel SDM Vol. 2A, FINIT/FNINIT). mingw-w64's C start-up runs it.</summary>
    internal static void Fninit(Processor p, Insn i)
    {
        if ((p.Cr0 & (Processor.Cr0EM | Processor.Cr0TS)) != 0)
            throw new GuestFault(ExceptionVector.NM, null, null, "FNINIT with CR0.EM or CR0.TS set");
    }

    internal static void Swapgs(Processor p, Insn i)
    {
        p.RequireCpl0();
        (p.GsBase, p.KernelGsBase) = (p.KernelGsBase, p.GsBase);
    }

    // ---- descriptor tables ----

    /// <summary>SGDT/SIDT (Op 0/1): store limit and base (10 bytes). With CR4.UMIP they are privileged.</summary>
    internal static void StoreTable(Processor p, Insn i)
    {
        if ((p.Cr4 & Processor.Cr4UMIP) != 0 && p.Cpl != 0) throw Gp0("SGDT/SIDT at CPL > 0 with CR4.UMIP set");
        var t = i.Op == 0 ? p.Gdtr : p.Idtr;
        ulong ea = i.Ea(p);
        p.Write16(ea, t.Limit);
        p.Write64(ea + 2, t.Base);
    }

    /// <summary>LGDT/LIDT (Op 0/1): load limit and base from memory; the base must be canonical.</summary>
    internal static void LoadTable(Processor p, Insn i)
    {
        p.RequireCpl0();
        ulong ea = i.Ea(p);
        ushort limit = p.Read16(ea);
        ulong b = p.Read64(ea + 2);
        if (!Processor.Canonical(b)) throw Gp0("descriptor-table base is not canonical");
        if (i.Op == 0) p.Gdtr = new TableRegister(b, limit); else p.Idtr = new TableRegister(b, limit);
    }

    /// <summary>SLDT, STR, SMSW (Op 0, 1, 2): to a register (zero-extended at 32/64 bits) or 16 bits of memory.</summary>
    internal static void StoreSystemWord(Processor p, Insn i)
    {
        if ((p.Cr4 & Processor.Cr4UMIP) != 0 && p.Cpl != 0) throw Gp0("SLDT/STR/SMSW at CPL > 0 with CR4.UMIP set");
        ulong v = i.Op switch { 0 => p.Ldtr, 1 => p.Tr, _ => p.Cr0 };
        if (i.Loc0 == OpLoc.Mem) p.Write16(i.Ea(p), (ushort)v);
        else SetReg(p, i.R0, 0, i.Size, i.Op == 2 && i.Size > 2 ? v & i.Mask : (ushort)v);
    }

    /// <summary>LMSW: loads CR0 bits 3:0 (PE cannot be cleared by it).</summary>
    internal static void Lmsw(Processor p, Insn i)
    {
        p.RequireCpl0();
        ulong v = i.Loc0 == OpLoc.Mem ? p.Read16(i.Ea(p)) : (ushort)p.R[i.R0];
        p.Cr0 = (p.Cr0 & ~0xEUL) | (v & 0xF) | (p.Cr0 & Processor.Cr0PE);
    }

    /// <summary>LTR: load the task register from an available 64-bit TSS descriptor in the GDT and mark it busy.</summary>
    internal static void Ltr(Processor p, Insn i)
    {
        p.RequireCpl0();
        ushort sel = (ushort)(i.Loc0 == OpLoc.Mem ? p.Read16(i.Ea(p)) : p.R[i.R0]);
        if ((sel & ~3) == 0 || (sel & 4) != 0 || (ulong)(sel & ~7) + 15 > p.Gdtr.Limit)
            throw new GuestFault(ExceptionVector.GP, (ulong)(sel & ~3), null, $"selector 0x{sel:X} does not name a TSS descriptor");
        ulong at = p.Gdtr.Base + (ulong)(sel & ~7);
        ulong lo = p.Read64(at), hi = p.Read64(at + 8);
        if ((lo >> 40 & 0x1F) != 0x09)
            throw new GuestFault(ExceptionVector.GP, (ulong)(sel & ~3), null, $"selector 0x{sel:X} is not an available 64-bit TSS");
        if ((lo >> 47 & 1) == 0) throw new GuestFault(ExceptionVector.NP, (ulong)(sel & ~3), null, "TSS descriptor not present");
        p.Write64(at, lo | (2UL << 40));   // type 9 -> 11: busy
        p.TrBase = ((lo >> 16) & 0xFF_FFFF) | ((lo >> 56) << 24) | ((hi & 0xFFFF_FFFF) << 32);
        p.TrLimit = (uint)((lo & 0xFFFF) | ((lo >> 32) & 0xF_0000));
        p.Tr = sel;
    }

    internal static void Lldt(Processor p, Insn i)
    {
        p.RequireCpl0();
        p.Ldtr = (ushort)(i.Loc0 == OpLoc.Mem ? p.Read16(i.Ea(p)) : p.R[i.R0]);
    }

    // ---- software interrupts, IRETQ, SYSCALL/SYSRET ----

    internal static void IntN(Processor p, Insn i) =>
        throw new GuestFault((ExceptionVector)(byte)i.Imm, null, null, $"int 0x{i.Imm:X}", software: true);

    internal static void Int3Trap(Processor p, Insn i) => throw new GuestFault(ExceptionVector.BP, null, null, "int3", software: true);

    /// <summary>IRETQ: pop RIP, CS, RFLAGS, RSP, SS. Returning to a more privileged level is #GP; the
    /// flags follow POPF's rules for the level IRETQ runs at (SDM Vol. 2A, IRET).</summary>
    internal static void Iretq(Processor p, Insn i)
    {
        ulong sp = p.R[(int)Gpr.Rsp];
        ulong rip = p.Read64(sp), cs = p.Read64(sp + 8), flags = p.Read64(sp + 16), rsp = p.Read64(sp + 24), ss = p.Read64(sp + 32);
        int newCpl = (int)cs & 3;
        if (newCpl < p.Cpl) throw new GuestFault(ExceptionVector.GP, cs & 0xFFFC, null, "IRETQ to a more privileged level");
        int dpl = p.CodeSegmentDpl((ushort)cs, 0);
        if (dpl != newCpl) throw new GuestFault(ExceptionVector.GP, cs & 0xFFFC, null, "IRETQ code segment DPL differs from its RPL");
        if (!Processor.Canonical(rip)) throw Gp0("IRETQ to a non-canonical address");
        p.Rflags = PopfValue(p, flags, 8);
        p.Cs = (ushort)cs;
        p.Ss = (ushort)ss;
        p.R[(int)Gpr.Rsp] = rsp;
        p.Ip = rip;
    }

    /// <summary>SYSCALL (SDM Vol. 2B): RCX ← RIP, R11 ← RFLAGS, RFLAGS &amp;= ~FMASK, CS/SS from STAR[47:32], RIP ← LSTAR, CPL 0.</summary>
    internal static void Syscall(Processor p, Insn i)
    {
        if ((p.Efer & Processor.EferSCE) == 0) throw new GuestFault(ExceptionVector.UD, null, null, "SYSCALL with EFER.SCE clear");
        p.Ledger.Record(Trace.GuestEvent.Syscall);
        p.Report(Trace.TraceKind.Syscall, i.Ip, p.Cpl);
        p.R[(int)Gpr.Rcx] = i.NextIp;
        ulong flags = p.Rflags;
        p.R[11] = flags;
        p.Rflags = flags & ~p.Fmask & ~(ulong)RFlags.RF;
        ushort sel = (ushort)(p.Star >> 32);
        p.Cs = (ushort)(sel & 0xFFFC);
        p.Ss = (ushort)((sel + 8) & 0xFFFC);
        p.Ip = p.Lstar;
    }

    /// <summary>SYSRET with REX.W (to 64-bit user code): RIP ← RCX, RFLAGS ← R11, CS/SS from STAR[63:48], CPL 3.</summary>
    internal static void Sysret(Processor p, Insn i)
    {
        if ((p.Efer & Processor.EferSCE) == 0) throw new GuestFault(ExceptionVector.UD, null, null, "SYSRET with EFER.SCE clear");
        p.RequireCpl0();
        ulong rcx = p.R[(int)Gpr.Rcx];
        if (!Processor.Canonical(rcx)) throw Gp0("SYSRET to a non-canonical RCX");
        ushort sel = (ushort)(p.Star >> 48);
        p.Rflags = (p.R[11] & 0x3C7FD7) | (ulong)RFlags.Reserved1;
        p.Cs = (ushort)((sel + 16) | 3);
        p.Ss = (ushort)((sel + 8) | 3);
        p.Ip = rcx;
    }

    /// <summary>The RFLAGS image POPF (or IRETQ) loads from <paramref name="v"/> at the current CPL: at CPL 0
    /// everything modifiable; above it IOPL is kept, and IF only changes when CPL ≤ IOPL — silently, with no
    /// fault (SDM Vol. 2B, POPF). VM, VIF, VIP and RF are never loaded here.</summary>
    internal static ulong PopfValue(Processor p, ulong v, int size)
    {
        ulong keep = (ulong)(RFlags.VM | RFlags.VIF | RFlags.VIP | RFlags.RF);
        if (p.Cpl > 0) keep |= (ulong)RFlags.IOPL;
        if (p.Cpl > p.Iopl) keep |= (ulong)RFlags.IF;
        if (size == 2) keep |= ~0xFFFFUL;
        ulong cur = p.Rflags;
        return (cur & keep) | (v & ~keep);
    }
}

internal static unsafe partial class Semantics
{
    // ---- port IO (SDM Vol. 1, 19.5: IOPL, then the TSS's IO permission bitmap) ----

    /// <summary>#GP(0) unless CPL ≤ IOPL or every port byte's bit in the TSS IO bitmap is clear.</summary>
    static void CheckIoPermission(Processor p, ulong port, int size)
    {
        if (p.Cpl <= p.Iopl) return;
        if (p.Tr == 0 || p.TrLimit < 0x67) throw Gp0($"port 0x{port:X} at CPL {p.Cpl} > IOPL {p.Iopl} with no TSS");
        using var _ = p.Supervisor();
        ulong map = p.Read16(p.TrBase + 0x66);
        for (ulong b = port; b < port + (ulong)size; b++)
        {
            ulong at = map + (b >> 3);
            if (at + 1 > p.TrLimit) throw Gp0($"port 0x{b:X} is beyond the TSS IO bitmap");
            if ((p.Read8(p.TrBase + at) >> (int)(b & 7) & 1) != 0) throw Gp0($"port 0x{b:X} is denied by the TSS IO bitmap");
        }
    }

    internal static void In(Processor p, Insn i)
    {
        ushort port = (ushort)(i.Loc1 == OpLoc.Imm ? i.Imm : p.R[(int)Gpr.Rdx]);
        CheckIoPermission(p, port, i.Size);
        SetReg(p, 0, 0, i.Size, p.Ports.In(port, i.Size));
    }

    internal static void Out(Processor p, Insn i)
    {
        ushort port = (ushort)(i.Loc0 == OpLoc.Imm ? i.Imm : p.R[(int)Gpr.Rdx]);
        CheckIoPermission(p, port, i.Size);
        p.Ports.Out(port, i.Size, GetReg(p, 0, 0, i.Size));
    }

    internal static void CheckStringIo(Processor p, Insn i) => CheckIoPermission(p, (ushort)p.R[(int)Gpr.Rdx], i.Size);
}
