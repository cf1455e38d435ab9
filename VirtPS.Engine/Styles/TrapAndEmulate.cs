using VirtPS.Engine.Costs;
using VirtPS.Engine.Cpu;
using VirtPS.Engine.Trace;

namespace VirtPS.Engine.Styles;

/// <summary>
/// Classic trap-and-emulate (Popek &amp; Goldberg 1974) on x86, which it does not fit. The guest kernel runs
/// deprivileged by ring compression: guest ring 0 executes at CPL 1 with IOPL 0, on the VMM's descriptor
/// tables (whose copies of the guest's kernel segments have DPL 1) and with real interrupts always enabled,
/// so the VMM keeps control. Privileged instructions then raise #GP and the VMM emulates them on the
/// virtual CPU, and every exception and interrupt enters the VMM first, which reflects it to the guest.
/// The sensitive but unprivileged instructions (Robin &amp; Irvine 2000) do not trap: they run at CPL 1 and
/// silently give the guest what CPL 1 gets — PUSHF shows the real IF, POPF cannot change IF, CS and SS
/// carry RPL 1, SGDT/SIDT/STR/SMSW reveal the VMM's own registers. Each such divergence is recorded as a
/// <see cref="FidelityViolation"/>, and the guest gets the CPL-1 result, as it would on real x86.
///
/// 64-bit: segment limits, which 32-bit ring-compression VMMs used to fence themselves off, are not checked
/// in long mode. Here the VMM is protected by paging instead: the guest runs on shadow page tables that map
/// nothing but the guest's own frames, and the VMM's code and data live outside guest-physical memory.
/// </summary>
public sealed class TrapAndEmulate : Vmm
{
    /// <summary>The VMM's own descriptor-table registers and task register, which SGDT, SIDT and STR reveal.
    /// They live in the VMM's address range at the top of the address space.</summary>
    public static readonly TableRegister VmmGdtr = new(0xFFFF_FF80_0000_0000, 0x7F), VmmIdtr = new(0xFFFF_FF80_0000_1000, 0xFFF);
    public const ushort VmmTr = 0x40, VmmLdtr = 0;
    /// <summary>The host runs with CR0.MP set, as an OS with an FPU does (SDM Vol. 3A, 9.2.1), so SMSW differs.</summary>
    const ulong VmmMswBits = 0x2;

    public TrapAndEmulate(Machine machine) : base(machine, ShadowPaging) { }

    public override VirtualizationStyle Style => VirtualizationStyle.TrapAndEmulate;
    /// <summary>Faults that entered the VMM (a view of the ledger).</summary>
    public long Traps => Events[GuestEvent.Trap];

    void Trap(ulong rip, string why) => Events.Record(GuestEvent.Trap, rip, "trap: " + why);

    internal override void Intercept(Processor p, Insn i)
    {
        var op = i.Sensitive;
        if (p.Cpl != 0)
        {
            // Guest user code runs at CPL 3, as it would natively. SYSCALL lands in the VMM (its LSTAR),
            // which enters the guest kernel's handler at CPL 1.
            Execute(p, i);
            CountHardware(p, i);
            if (op == SensitiveOp.Syscall) Events.Record(GuestEvent.Injection, i.Ip, "SYSCALL forwarded to the guest kernel");
            return;
        }
        switch (op)
        {
            case SensitiveOp.Iret when (p.Read64(p.R[(int)Gpr.Rsp] + 8) & 3) == 3:
                // IRETQ to user mode is legal at CPL 1 and runs directly.
                Execute(p, i);
                CountHardware(p, i);
                return;
            case var _ when SensitiveOps.IsPrivileged(op):
                Trap(i.Ip, $"#GP(0) on {i.Decoded.Mnemonic} at CPL 1");
                Events.Record(GuestEvent.Emulation);
                if (op == SensitiveOp.PortIo) EmulateDevice(PortOf(p, i), "Trap");
                Execute(p, i);
                KeepMmuCoherent(p, i);
                return;
            case SensitiveOp.Pushf: Pushf(p, i); return;
            case SensitiveOp.Popf: Popf(p, i); return;
            case SensitiveOp.MovFromSegment: MovFromSegment(p, i); return;
            case SensitiveOp.DescriptorStore: DescriptorStore(p, i); return;
            case SensitiveOp.SegmentCheck: SegmentCheck(p, i); return;
            case SensitiveOp.FarTransfer: FarTransfer(p, i); return;
            default:
                Execute(p, i);
                CountHardware(p, i);
                return;
        }
    }

    // ---- the sensitive, unprivileged instructions, as they behave at CPL 1 ----

    static ulong Flags(ulong v) => v & ~(ulong)(RFlags.VM | RFlags.RF);

    void Pushf(Processor p, Insn i)
    {
        ulong expected = Flags(p.Rflags) & i.Mask;
        // The real RFLAGS: IF set (the VMM never runs the guest with interrupts off), IOPL 0.
        ulong got = ((expected | (ulong)RFlags.IF) & ~(ulong)RFlags.IOPL) & i.Mask;
        Execute(p, i);
        if (got == expected) return;
        p.Write(p.R[(int)Gpr.Rsp], i.Size, got);
        Violation(p, i, $"flags 0x{got:X}", $"0x{expected:X}");
    }

    void Popf(Processor p, Insn i)
    {
        ulong before = p.Rflags;
        Execute(p, i);
        ulong expected = p.Rflags;
        // At CPL 1 with IOPL 0, POPF loads neither IF nor IOPL, and does not fault (SDM Vol. 2B, POPF).
        ulong keep = (ulong)(RFlags.IF | RFlags.IOPL);
        ulong got = (expected & ~keep) | (before & keep);
        if (got == expected) return;
        p.Rflags = got;
        Violation(p, i, $"IF={(got >> 9) & 1} IOPL={(got >> 12) & 3}", $"IF={(expected >> 9) & 1} IOPL={(expected >> 12) & 3}");
    }

    void MovFromSegment(Processor p, Insn i)
    {
        Execute(p, i);
        ushort expected = i.Decoded.Op1Register == Iced.Intel.Register.CS ? p.Cs : p.Ss;
        ushort got = (ushort)(expected | 1);   // the selector's RPL is the CPL the guest really runs at
        if (i.Loc0 == OpLoc.Mem) p.Write16(i.Ea(p), got); else p.R[i.R0] = (p.R[i.R0] & ~0xFFFFUL) | got;
        Violation(p, i, $"0x{got:X}", $"0x{expected:X}");
    }

    void DescriptorStore(Processor p, Insn i)
    {
        var m = i.Decoded.Mnemonic;
        if (m is Iced.Intel.Mnemonic.Sgdt or Iced.Intel.Mnemonic.Sidt)
        {
            var guest = m == Iced.Intel.Mnemonic.Sgdt ? p.Gdtr : p.Idtr;
            var real = m == Iced.Intel.Mnemonic.Sgdt ? VmmGdtr : VmmIdtr;
            Execute(p, i);
            ulong ea = i.Ea(p);
            p.Write16(ea, real.Limit);
            p.Write64(ea + 2, real.Base);
            Violation(p, i, $"base 0x{real.Base:X} limit 0x{real.Limit:X}", $"base 0x{guest.Base:X} limit 0x{guest.Limit:X}");
            return;
        }
        ulong expected = m switch { Iced.Intel.Mnemonic.Sldt => p.Ldtr, Iced.Intel.Mnemonic.Str => p.Tr, _ => p.Cr0 & 0xFFFF };
        ulong got = m switch { Iced.Intel.Mnemonic.Sldt => VmmLdtr, Iced.Intel.Mnemonic.Str => VmmTr, _ => expected | VmmMswBits };
        Execute(p, i);
        if (got == expected) return;
        if (i.Loc0 == OpLoc.Mem) p.Write16(i.Ea(p), (ushort)got); else p.R[i.R0] = (p.R[i.R0] & ~0xFFFFUL) | got;
        Violation(p, i, $"0x{got:X}", $"0x{expected:X}");
    }

    /// <summary>LAR, LSL, VERR, VERW check the descriptor's DPL against the CPL: run them at CPL 0 for the
    /// expected result, then at CPL 1 for the one the guest gets.</summary>
    void SegmentCheck(Processor p, Insn i)
    {
        ushort cs = p.Cs;
        ulong r = i.Loc0 == OpLoc.Reg ? p.R[i.R0] : 0, flags = p.Rflags;
        Execute(p, i);
        ulong expectedR = i.Loc0 == OpLoc.Reg ? p.R[i.R0] : 0, expectedF = p.Rflags;
        if (i.Loc0 == OpLoc.Reg) p.R[i.R0] = r;
        p.Rflags = flags;
        p.Cs = (ushort)(cs | 1);
        try { Execute(p, i); } finally { p.Cs = cs; }
        ulong gotR = i.Loc0 == OpLoc.Reg ? p.R[i.R0] : 0, gotF = p.Rflags;
        if (gotR == expectedR && ((gotF ^ expectedF) & (ulong)RFlags.ZF) == 0) return;
        Violation(p, i, $"ZF={(gotF >> 6) & 1} value 0x{gotR:X}", $"ZF={(expectedF >> 6) & 1} value 0x{expectedR:X}");
    }

    void FarTransfer(Processor p, Insn i)
    {
        if (i.Decoded.Mnemonic == Iced.Intel.Mnemonic.Retf)
        {
            // RETF to an RPL-0 selector from CPL 1 is a return to a more privileged level: #GP, emulated.
            Trap(i.Ip, "#GP on RETF to RPL 0 at CPL 1");
            Events.Record(GuestEvent.Emulation);
            Execute(p, i);
            return;
        }
        ushort cs = p.Cs;
        Execute(p, i);
        if (i.Decoded.Mnemonic != Iced.Intel.Mnemonic.Call) return;
        // A far CALL pushes the CS it was made from: RPL 1.
        int size = i.Size;
        p.Write(p.R[(int)Gpr.Rsp] + (ulong)size, size, (ulong)(cs | 1));
        Violation(p, i, $"pushed CS 0x{cs | 1:X}", $"0x{cs:X}");
    }

    // ---- events ----

    internal override void OnDelivery(ExceptionVector vector, DeliveryKind kind, ulong rip)
    {
        // A device's interrupt was injected when raised: only the delivery is left.
        if (kind == DeliveryKind.Device) { base.OnDelivery(vector, kind, rip); return; }
        // Every exception and interrupt goes through the VMM's IDT; the VMM reflects it to the guest's handler.
        Trap(rip, kind == DeliveryKind.External ? "external interrupt" : $"#{vector} reflected to the guest");
        Events.Record(GuestEvent.Injection);
    }

    private protected override void EnterForShadowFault(Memory.ShadowFaultKind kind, ulong la) =>
        Trap(Cpu.Ip, kind == Memory.ShadowFaultKind.Tracing ? $"write to a guest page table at 0x{la:X}" : $"hidden page fault at 0x{la:X}");
}
