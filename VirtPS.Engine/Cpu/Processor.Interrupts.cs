namespace VirtPS.Engine.Cpu;

/// <summary>Exception and interrupt delivery through the 64-bit IDT (Intel SDM Vol. 3A, 6.14).</summary>
public sealed partial class Processor
{
    /// <summary>True once software has loaded an IDT. Until then (a bare program) an exception stops the
    /// machine as a recorded guest event instead of escalating to a triple fault.</summary>
    internal bool IdtLoaded => Idtr.Limit != 0 || Idtr.Base != 0 || VmmDelivers;

    /// <summary>Set by a monitor that delivers exceptions and interrupts itself (a paravirtual hypervisor's
    /// trap table and callbacks) instead of through an IDT in guest memory.</summary>
    internal bool VmmDelivers;

    /// <summary>
    /// Delivers <paramref name="vector"/> through the IDT: reads the gate, checks it, switches to the
    /// handler's stack (TSS.RSPn on a privilege change, or the gate's IST entry), aligns it to 16 bytes,
    /// pushes SS, RSP, RFLAGS, CS, RIP and the error code, then enters the handler. Nothing changes until
    /// every check and every push has succeeded; a fault on the way is thrown to the caller, which
    /// escalates it (double fault, triple fault).
    /// </summary>
    internal void Deliver(ExceptionVector vector, ulong? errorCode, ulong returnRip, bool software)
    {
        using var _ = Supervisor();
        if (VmmDelivers) { Vmm!.Bounce(vector, errorCode, returnRip, software); return; }
        int v = (int)vector;
        ulong ext = software ? 0UL : 1UL;
        ulong idtCode = (ulong)v * 8 + 2 + ext;   // error code naming the IDT entry (SDM Vol. 3A, 6.13)
        if ((ulong)v * 16 + 15 > Idtr.Limit)
            throw new GuestFault(ExceptionVector.GP, idtCode, null, $"vector {v} is beyond the IDT limit");
        ulong lo = Read64(Idtr.Base + (ulong)v * 16), hi = Read64(Idtr.Base + (ulong)v * 16 + 8);
        int type = (int)(lo >> 40) & 0xF, dpl = (int)(lo >> 45) & 3;
        if (type is not (0xE or 0xF))
            throw new GuestFault(ExceptionVector.GP, idtCode, null, $"IDT entry {v} is not a 64-bit interrupt or trap gate");
        if (software && dpl < Cpl)
            throw new GuestFault(ExceptionVector.GP, (ulong)v * 8 + 2, null, $"INT {v} from CPL {Cpl} to a DPL {dpl} gate");
        if ((lo >> 47 & 1) == 0)
            throw new GuestFault(ExceptionVector.NP, idtCode, null, $"IDT entry {v} is not present");
        ushort sel = (ushort)(lo >> 16);
        ulong target = (lo & 0xFFFF) | ((lo >> 48) << 16) | ((hi & 0xFFFF_FFFF) << 32);
        int ist = (int)(lo >> 32) & 7;
        int newCpl = CodeSegmentDpl(sel, ext);
        if (newCpl > Cpl)
            throw new GuestFault(ExceptionVector.GP, (ulong)(sel & ~3) + ext, null, "handler is less privileged than the interrupted code");
        if (!Canonical(target))
            throw new GuestFault(ExceptionVector.GP, ext, null, $"handler address 0x{target:X} is not canonical");

        ulong rsp = R[(int)Gpr.Rsp];
        if (ist != 0 || newCpl < Cpl)
        {
            if (Tr == 0) throw new GuestFault(ExceptionVector.TS, ext, null, "no TSS loaded for the stack switch");
            rsp = Read64(ist != 0 ? TrBase + 0x24 + 8 * (ulong)(ist - 1) : TrBase + 4 + 8 * (ulong)newCpl);
        }
        rsp &= ~0xFUL;
        ulong flags = Rflags;
        ushort newSs = newCpl < Cpl ? (ushort)newCpl : Ss;
        Span<ulong> frame = [Ss, R[(int)Gpr.Rsp], flags, Cs, returnRip, errorCode ?? 0];
        int n = errorCode.HasValue ? 6 : 5;
        for (int k = 0; k < n; k++) Write64(rsp - 8 * (ulong)(k + 1), frame[k]);

        R[(int)Gpr.Rsp] = rsp - 8 * (ulong)n;
        Ss = newSs;
        Cs = (ushort)((sel & ~3) | newCpl);
        Ip = target;
        ulong clear = (ulong)(RFlags.TF | RFlags.NT | RFlags.RF | RFlags.VM) | (type == 0xE ? (ulong)RFlags.IF : 0);
        Rflags = flags & ~clear;
    }

    /// <summary>The DPL of the code segment <paramref name="sel"/> names in the GDT; #GP if it is not a present 64-bit code segment.</summary>
    internal int CodeSegmentDpl(ushort sel, ulong ext)
    {
        using var _ = Supervisor();
        ulong code = (ulong)(sel & ~3) + ext;
        if ((sel & ~3) == 0 || (sel & 4) != 0 || (ulong)(sel & ~7) + 7 > Gdtr.Limit)
            throw new GuestFault(ExceptionVector.GP, code, null, $"selector 0x{sel:X} does not name a GDT entry");
        ulong d = Read64(Gdtr.Base + (ulong)(sel & ~7));
        bool isCode = (d >> 43 & 3) == 3, longMode = (d >> 53 & 1) == 1;
        if (!isCode || !longMode) throw new GuestFault(ExceptionVector.GP, code, null, $"selector 0x{sel:X} is not a 64-bit code segment");
        if ((d >> 47 & 1) == 0) throw new GuestFault(ExceptionVector.NP, code, null, $"code segment 0x{sel:X} is not present");
        return (int)(d >> 45) & 3;
    }

    /// <summary>Whether a second exception while delivering the first makes a double fault (SDM Vol. 3A, Table 6-5).</summary>
    internal static bool IsDoubleFault(ExceptionVector first, ExceptionVector second)
    {
        static bool Contributory(ExceptionVector v) => v is ExceptionVector.DE or ExceptionVector.TS or ExceptionVector.NP
            or ExceptionVector.SS or ExceptionVector.GP;
        if (Contributory(first)) return Contributory(second);
        if (first == ExceptionVector.PF) return Contributory(second) || second == ExceptionVector.PF;
        return false;
    }
}
