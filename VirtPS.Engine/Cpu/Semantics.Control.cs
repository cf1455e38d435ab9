namespace VirtPS.Engine.Cpu;

internal static unsafe partial class Semantics
{
    // Control transfers are always the last instruction of a block. The run loop has already set RIP to
    // the block's fall-through address, so a transfer that is not taken does nothing.

    internal static void Jcc(Processor p, Insn i) { if (p.Condition(i.Op)) p.Ip = i.Target; }
    /// <summary>JNZ/JNE after an arithmetic instruction: the commonest loop branch, tested without the general condition switch.</summary>
    internal static void Jnz(Processor p, Insn i) { if (!p.ZF) p.Ip = i.Target; }
    internal static void Jz(Processor p, Insn i) { if (p.ZF) p.Ip = i.Target; }
    internal static void Jmp(Processor p, Insn i) => p.Ip = i.Target;
    internal static void JmpIndirect(Processor p, Insn i) => p.Ip = Get0(p, i, Ea0(p, i));

    internal static void Call(Processor p, Insn i)
    {
        Push(p, 8, i.NextIp);
        p.Ip = i.Target;
        p.NearCalls++;
    }

    internal static void CallIndirect(Processor p, Insn i)
    {
        ulong t = Get0(p, i, Ea0(p, i));   // read before the push: the operand may be on the stack
        Push(p, 8, i.NextIp);
        p.Ip = t;
        p.NearCalls++;
    }

    /// <summary>RET and RET imm16: pop RIP, then release imm16 bytes of arguments.</summary>
    internal static void Ret(Processor p, Insn i)
    {
        ulong sp = p.R[(int)Gpr.Rsp];
        ulong t = p.Read64(sp);
        p.R[(int)Gpr.Rsp] = sp + 8 + i.Imm;
        p.Ip = t;
        p.NearReturns++;
    }

    /// <summary>LOOP, LOOPE, LOOPNE (Op 0, 1, 2): count down RCX (ECX with a 67h prefix); flags are unchanged.</summary>
    internal static void Loop(Processor p, Insn i)
    {
        ulong c;
        if (i.AddrSize == 8) c = --p.R[(int)Gpr.Rcx];
        else { c = (uint)(p.R[(int)Gpr.Rcx] - 1); p.R[(int)Gpr.Rcx] = c; }
        bool go = c != 0 && (i.Op == 0 || (i.Op == 1 ? p.ZF : !p.ZF));
        if (go) p.Ip = i.Target;
    }

    internal static void Jrcxz(Processor p, Insn i)
    {
        ulong c = i.AddrSize == 8 ? p.R[(int)Gpr.Rcx] : (uint)p.R[(int)Gpr.Rcx];
        if (c == 0) p.Ip = i.Target;
    }

    internal static void Hlt(Processor p, Insn i) => p.Halted = true;
    internal static void Nop(Processor p, Insn i) { }
    internal static void Clc(Processor p, Insn i) => p.SetFlag(RFlags.CF, false);
    internal static void Stc(Processor p, Insn i) => p.SetFlag(RFlags.CF, true);
    internal static void Cmc(Processor p, Insn i) => p.SetFlag(RFlags.CF, !p.CF);
    internal static void Cld(Processor p, Insn i) => p.SetFlag(RFlags.DF, false);
    internal static void Std(Processor p, Insn i) => p.SetFlag(RFlags.DF, true);

    /// <summary>An instruction this core does not implement, or bytes that are not an instruction.</summary>
    internal static void Undefined(Processor p, Insn i) =>
        throw new GuestFault(ExceptionVector.UD, null, null,
            i.Decoded.Mnemonic == Iced.Intel.Mnemonic.Ud2 ? "ud2" : $"{i.Decoded} is not implemented");

    internal static void Int3(Processor p, Insn i) => throw new GuestFault(ExceptionVector.BP, null, null, "breakpoint");
}
