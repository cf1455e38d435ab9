using Iced.Intel;

namespace VirtPS.Engine.Cpu;

/// <summary>
/// Segment selectors and descriptors in 64-bit mode (Intel SDM Vol. 3A, ch. 3 and 5): loads with their
/// privilege checks, far transfers through code segments, and the descriptor probes LAR, LSL, VERR, VERW.
/// </summary>
internal static unsafe partial class Semantics
{
    // Segment-register numbers in Iced's order: ES, CS, SS, DS, FS, GS.
    internal const int SegEs = 0, SegCs = 1, SegSs = 2, SegDs = 3, SegFs = 4, SegGs = 5;

    /// <summary>The GDT descriptor for <paramref name="sel"/>, or null if the selector is null, in the LDT
    /// (not modeled) or beyond the GDT limit.</summary>
    static ulong? Descriptor(Processor p, ushort sel)
    {
        if ((sel & ~3) == 0 || (sel & 4) != 0 || (ulong)(sel & ~7) + 7 > p.Gdtr.Limit) return null;
        using var _ = p.Supervisor();
        return p.Read64(p.Gdtr.Base + (ulong)(sel & ~7));
    }

    static bool IsPresent(ulong d) => (d >> 47 & 1) != 0;
    static bool IsCodeOrData(ulong d) => (d >> 44 & 1) != 0;
    static bool IsCode(ulong d) => (d >> 43 & 1) != 0;
    static bool IsConforming(ulong d) => IsCode(d) && (d >> 42 & 1) != 0;
    static bool IsReadable(ulong d) => !IsCode(d) || (d >> 41 & 1) != 0;   // data is always readable
    static bool IsWritableData(ulong d) => !IsCode(d) && (d >> 41 & 1) != 0;
    static int Dpl(ulong d) => (int)(d >> 45) & 3;
    static ulong BaseOf(ulong d) => ((d >> 16) & 0xFF_FFFF) | ((d >> 56) << 24);

    static ushort GetSelector(Processor p, int seg) => seg switch
    {
        SegEs => p.Es, SegCs => p.Cs, SegSs => p.Ss, SegDs => p.Ds, SegFs => p.Fs, _ => p.Gs,
    };

    /// <summary>Loads a data-segment register or SS with the checks of MOV/POP to a segment register (SDM Vol. 2B, MOV).</summary>
    internal static void LoadSegment(Processor p, int seg, ushort sel)
    {
        ulong code = (ulong)(sel & ~3);
        var d = Descriptor(p, sel);
        if ((sel & ~3) == 0)
        {
            // A null selector is fine for DS, ES, FS, GS; for SS only below CPL 3 with RPL = CPL (64-bit mode).
            if (seg == SegSs && (p.Cpl == 3 || (sel & 3) != p.Cpl)) throw new GuestFault(ExceptionVector.GP, 0, null, "null SS at CPL 3");
        }
        else if (d is not { } desc || !IsCodeOrData(desc))
            throw new GuestFault(ExceptionVector.GP, code, null, $"selector 0x{sel:X} does not name a code or data segment");
        else if (seg == SegSs)
        {
            if ((sel & 3) != p.Cpl || Dpl(desc) != p.Cpl || !IsWritableData(desc))
                throw new GuestFault(ExceptionVector.GP, code, null, $"SS selector 0x{sel:X} must be writable data at CPL {p.Cpl}");
            if (!IsPresent(desc)) throw new GuestFault(ExceptionVector.SS, code, null, $"stack segment 0x{sel:X} not present");
        }
        else
        {
            if (!IsReadable(desc)) throw new GuestFault(ExceptionVector.GP, code, null, $"selector 0x{sel:X} is an execute-only code segment");
            if (!IsConforming(desc) && (Math.Max(sel & 3, p.Cpl) > Dpl(desc)))
                throw new GuestFault(ExceptionVector.GP, code, null, $"selector 0x{sel:X}: DPL {Dpl(desc)} is more privileged than CPL/RPL");
            if (!IsPresent(desc)) throw new GuestFault(ExceptionVector.NP, code, null, $"segment 0x{sel:X} not present");
        }
        switch (seg)
        {
            case SegEs: p.Es = sel; break;
            case SegSs: p.Ss = sel; break;
            case SegDs: p.Ds = sel; break;
            // In 64-bit mode a selector load sets FS/GS's base from the descriptor (32 bits); WRMSR or
            // SWAPGS set the full 64-bit base.
            case SegFs: p.Fs = sel; p.FsBase = d is { } fd && (sel & ~3) != 0 ? BaseOf(fd) : 0; break;
            case SegGs: p.Gs = sel; p.GsBase = d is { } gd && (sel & ~3) != 0 ? BaseOf(gd) : 0; break;
        }
    }

    internal static void MovToSeg(Processor p, Insn i)
    {
        ushort sel = (ushort)(i.Loc1 == OpLoc.Mem ? p.Read16(i.Ea(p)) : p.R[i.R1]);
        LoadSegment(p, i.Op, sel);
    }

    /// <summary>MOV from a segment register: 16 bits to memory, zero-extended into a 32/64-bit register.</summary>
    internal static void MovFromSeg(Processor p, Insn i)
    {
        ushort sel = GetSelector(p, i.Op);
        if (i.Loc0 == OpLoc.Mem) p.Write16(i.Ea(p), sel);
        else SetReg(p, i.R0, 0, i.Size, sel);
    }

    internal static void PushSeg(Processor p, Insn i) => Push(p, i.Size, GetSelector(p, i.Op));

    internal static void PopSeg(Processor p, Insn i)
    {
        ulong sp = p.R[(int)Gpr.Rsp];
        ushort sel = (ushort)p.Read(sp, i.Size);
        LoadSegment(p, i.Op, sel);
        p.R[(int)Gpr.Rsp] = sp + (ulong)i.Size;
    }

    /// <summary>Checks a far JMP/CALL target: a present code segment reachable without a privilege change
    /// (call gates are not modeled: #GP).</summary>
    static void CheckFarTarget(Processor p, ushort sel)
    {
        ulong code = (ulong)(sel & ~3);
        if (Descriptor(p, sel) is not { } d || !IsCodeOrData(d) || !IsCode(d))
            throw new GuestFault(ExceptionVector.GP, code, null, $"far transfer to 0x{sel:X}, which is not a code segment");
        bool ok = IsConforming(d) ? Dpl(d) <= p.Cpl : (sel & 3) <= p.Cpl && Dpl(d) == p.Cpl;
        if (!ok) throw new GuestFault(ExceptionVector.GP, code, null, $"far transfer to 0x{sel:X} would change privilege");
        if (!IsPresent(d)) throw new GuestFault(ExceptionVector.NP, code, null, $"code segment 0x{sel:X} not present");
    }

    /// <summary>JMP/CALL far through a memory pointer m16:32 or m16:64 (Op 0 = JMP, 1 = CALL).</summary>
    internal static void FarTransfer(Processor p, Insn i)
    {
        ulong ea = i.Ea(p);
        int offSize = i.Size;   // 4 or 8: the offset part of the far pointer
        ulong target = p.Read(ea, offSize);
        ushort sel = p.Read16(ea + (ulong)offSize);
        CheckFarTarget(p, sel);
        if (!Processor.Canonical(target)) throw new GuestFault(ExceptionVector.GP, 0, null, "far transfer to a non-canonical address");
        if (i.Op == 1)
        {
            ulong sp = p.R[(int)Gpr.Rsp];
            p.Write(sp - (ulong)offSize, offSize, p.Cs);
            p.Write(sp - 2 * (ulong)offSize, offSize, i.NextIp);
            p.R[(int)Gpr.Rsp] = sp - 2 * (ulong)offSize;
        }
        p.Cs = (ushort)((sel & ~3) | p.Cpl);
        p.Ip = target;
    }

    /// <summary>RETF/RETFQ (and RETF imm16): pop RIP and CS; to an outer level also pop RSP and SS.</summary>
    internal static void FarReturn(Processor p, Insn i)
    {
        int size = i.Size;
        ulong sp = p.R[(int)Gpr.Rsp];
        ulong rip = p.Read(sp, size);
        ushort cs = (ushort)p.Read(sp + (ulong)size, size);
        int rpl = cs & 3;
        if (rpl < p.Cpl) throw new GuestFault(ExceptionVector.GP, (ulong)(cs & ~3), null, "RETF to a more privileged level");
        if (Descriptor(p, cs) is not { } d || !IsCode(d) || !IsCodeOrData(d))
            throw new GuestFault(ExceptionVector.GP, (ulong)(cs & ~3), null, $"RETF to 0x{cs:X}, which is not a code segment");
        if (!Processor.Canonical(rip)) throw new GuestFault(ExceptionVector.GP, 0, null, "RETF to a non-canonical address");
        sp += 2 * (ulong)size + i.Imm;
        if (rpl > p.Cpl)
        {
            ulong rsp = p.Read(sp, size);
            ushort ss = (ushort)p.Read(sp + (ulong)size, size);
            p.Cs = cs; p.Ss = ss;
            p.R[(int)Gpr.Rsp] = rsp;
        }
        else
        {
            p.Cs = cs;
            p.R[(int)Gpr.Rsp] = sp;
        }
        p.Ip = rip;
    }

    /// <summary>
    /// LAR, LSL, VERR, VERW (Op 0..3): probe a descriptor as seen from the current CPL and RPL, setting ZF
    /// when it is visible (and readable/writable for VERR/VERW). They never fault on a bad selector — which is
    /// why they are sensitive but unprivileged (Robin &amp; Irvine, 2000).
    /// </summary>
    internal static void ProbeDescriptor(Processor p, Insn i)
    {
        ushort sel = (ushort)(i.Loc1 == OpLoc.Mem ? p.Read16(i.Ea(p)) : p.R[i.R1]);
        if (i.Op >= 2) sel = (ushort)(i.Loc0 == OpLoc.Mem ? p.Read16(i.Ea(p)) : p.R[i.R0]);
        ulong? found = Descriptor(p, sel);
        bool ok = false;
        if (found is { } d)
        {
            bool visible = IsConforming(d) || Math.Max(p.Cpl, sel & 3) <= Dpl(d);
            int type = (int)(d >> 40) & 0xF;
            ok = i.Op switch
            {
                // LAR/LSL also accept system descriptors such as the TSS (types 9 and 11) and LDT (2).
                0 or 1 => visible && (IsCodeOrData(d) || type is 2 or 9 or 11),
                2 => visible && IsCodeOrData(d) && IsReadable(d),
                _ => visible && IsCodeOrData(d) && IsWritableData(d),
            };
            if (ok && i.Op == 0) SetReg(p, i.R0, 0, i.Size, (d >> 32) & 0x00F0_FF00);
            if (ok && i.Op == 1)
            {
                ulong limit = (d & 0xFFFF) | ((d >> 32) & 0xF_0000);
                if ((d >> 55 & 1) != 0) limit = (limit << 12) | 0xFFF;   // G: 4 KiB granularity
                SetReg(p, i.R0, 0, i.Size, limit);
            }
        }
        p.SetFlag(RFlags.ZF, ok);
    }

    /// <summary>INVPCID (SDM Vol. 2A): CPL 0; type 0-3 in the register, a 16-byte descriptor in memory.</summary>
    internal static void Invpcid(Processor p, Insn i)
    {
        p.RequireCpl0();
        ulong type = p.R[i.R0];
        ulong ea = i.Ea(p);
        ulong pcid = p.Read64(ea), la = p.Read64(ea + 8);
        if (type > 3) throw new GuestFault(ExceptionVector.GP, 0, null, $"INVPCID type {type}");
        if (pcid > 0xFFF) throw new GuestFault(ExceptionVector.GP, 0, null, "INVPCID descriptor sets reserved bits");
        if (type == 0 && !Processor.Canonical(la)) throw new GuestFault(ExceptionVector.GP, 0, null, "INVPCID of a non-canonical address");
        if (type <= 1 && (p.Cr4 & Processor.Cr4PCIDE) == 0 && pcid != 0) throw new GuestFault(ExceptionVector.GP, 0, null, "INVPCID of a PCID other than 0 with CR4.PCIDE clear");
        p.Invpcid((int)type, (ushort)pcid, la);
    }
}
