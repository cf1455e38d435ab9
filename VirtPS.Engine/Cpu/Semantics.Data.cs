using System.Buffers.Binary;

namespace VirtPS.Engine.Cpu;

internal static unsafe partial class Semantics
{
    internal static void Mov(Processor p, Insn i)
    {
        ulong v = Get1(p, i);
        Put0(p, i, Ea0(p, i), v);
    }

    // Fast paths for the forms loops are made of.
    internal static void MovRR64(Processor p, Insn i) => p.Reg(i.R0) = p.Reg(i.R1);
    internal static void MovRR32(Processor p, Insn i) => p.Reg(i.R0) = (uint)p.Reg(i.R1);
    internal static void MovRI(Processor p, Insn i) => p.Reg(i.R0) = i.Imm;   // 32-bit: Imm is already zero-extended
    internal static void MovRM64(Processor p, Insn i) => p.Reg(i.R0) = p.Read64(i.Ea(p));
    internal static void MovRM32(Processor p, Insn i) => p.Reg(i.R0) = p.Read32(i.Ea(p));
    internal static void MovMR64(Processor p, Insn i) => p.Write64(i.Ea(p), p.Reg(i.R1));
    internal static void MovMR32(Processor p, Insn i) => p.Write32(i.Ea(p), (uint)p.Reg(i.R1));

    internal static void Movzx(Processor p, Insn i) => SetReg(p, i.R0, 0, i.Size, Get1Src(p, i));
    internal static void Movsx(Processor p, Insn i) => SetReg(p, i.R0, 0, i.Size, SignExtend(Get1Src(p, i), i.SrcSize) & i.Mask);

    /// <summary>LEA: the effective address itself, truncated to the operand size. Segments play no part.</summary>
    internal static void Lea(Processor p, Insn i) => SetReg(p, i.R0, 0, i.Size, i.Ea(p));
    internal static void Lea64(Processor p, Insn i) => p.Reg(i.R0) = i.Ea(p);

    internal static void Xchg(Processor p, Insn i)
    {
        ulong ea = Ea0(p, i);
        ulong a = Get0(p, i, ea);
        ulong b = GetReg(p, i.R1, i.Shift1, i.Size);
        Put0(p, i, ea, b);
        SetReg(p, i.R1, i.Shift1, i.Size, a);
    }

    /// <summary>CMPXCHG: compare the accumulator with the destination. When they differ a memory destination
    /// still gets a write cycle with its own value (SDM Vol. 2A, CMPXCHG), but a register destination is left
    /// untouched: the SDM's pseudo-code writes it back, yet hardware does not zero-extend a 32-bit register
    /// there (measured on the host by the differential tests).</summary>
    internal static void Cmpxchg(Processor p, Insn i)
    {
        ulong ea = Ea0(p, i);
        ulong d = Get0(p, i, ea);
        ulong acc = GetReg(p, 0, 0, i.Size);
        ulong r = (acc - d) & i.Mask;
        if (r == 0) Put0(p, i, ea, GetReg(p, i.R1, i.Shift1, i.Size));
        else
        {
            if (i.Loc0 == OpLoc.Mem) p.Write(ea, i.Size, d);
            SetReg(p, 0, 0, i.Size, d);
        }
        p.SetLazy(LazyOp.Sub, acc, d, r, i.Mask);
    }

    internal static void Xadd(Processor p, Insn i)
    {
        ulong ea = Ea0(p, i);
        ulong a = Get0(p, i, ea);
        ulong b = GetReg(p, i.R1, i.Shift1, i.Size);
        ulong r = (a + b) & i.Mask;
        if (i.Loc0 == OpLoc.Mem) { p.Write(ea, i.Size, r); SetReg(p, i.R1, i.Shift1, i.Size, a); }
        else { SetReg(p, i.R1, i.Shift1, i.Size, a); SetReg(p, i.R0, i.Shift0, i.Size, r); }
        p.SetLazy(LazyOp.Add, a, b, r, i.Mask);
    }

    /// <summary>BSWAP. With a 16-bit operand the result is undefined; Intel cores give zero.</summary>
    internal static void Bswap(Processor p, Insn i)
    {
        ulong v = p.R[i.R0];
        ulong r = i.Size switch
        {
            8 => BinaryPrimitives.ReverseEndianness(v),
            4 => BinaryPrimitives.ReverseEndianness((uint)v),
            _ => 0,
        };
        SetReg(p, i.R0, 0, i.Size, r);
    }

    /// <summary>CBW/CWDE/CDQE: sign-extend the accumulator's lower half into the whole (Size = result size).</summary>
    internal static void ExtendAcc(Processor p, Insn i) =>
        SetReg(p, 0, 0, i.Size, SignExtend(GetReg(p, 0, 0, i.Size / 2), i.Size / 2) & i.Mask);

    /// <summary>CWD/CDQ/CQO: fill DX/EDX/RDX with the accumulator's sign.</summary>
    internal static void SignToRdx(Processor p, Insn i)
    {
        ulong a = GetReg(p, 0, 0, i.Size);
        SetReg(p, (int)Gpr.Rdx, 0, i.Size, (a & (i.Mask ^ (i.Mask >> 1))) != 0 ? i.Mask : 0);
    }

    internal static void Setcc(Processor p, Insn i) => Put0(p, i, Ea0(p, i), p.Condition(i.Op) ? 1UL : 0);

    /// <summary>CMOVcc reads its source even when the condition is false, and a 32-bit destination is
    /// zero-extended either way.</summary>
    internal static void Cmovcc(Processor p, Insn i)
    {
        ulong v = Get1(p, i);
        if (p.Condition(i.Op)) SetReg(p, i.R0, 0, i.Size, v);
        else if (i.Size == 4) p.R[i.R0] = (uint)p.R[i.R0];
    }

    // ---- stack ----
    internal static void PushOp(Processor p, Insn i)
    {
        ulong v = i.Loc0 switch
        {
            OpLoc.Reg => GetReg(p, i.R0, 0, i.Size),
            OpLoc.Imm => i.Imm,
            _ => p.Read(i.Ea(p), i.Size),
        };
        Push(p, i.Size, v);
    }

    /// <summary>POP. A memory destination's address is computed after RSP has moved (SDM Vol. 2B, POP).</summary>
    internal static void PopOp(Processor p, Insn i)
    {
        ulong sp = p.R[(int)Gpr.Rsp];
        ulong v = p.Read(sp, i.Size);
        if (i.Loc0 == OpLoc.Mem)
        {
            p.R[(int)Gpr.Rsp] = sp + (ulong)i.Size;
            try { p.Write(i.Ea(p), i.Size, v); }
            catch { p.R[(int)Gpr.Rsp] = sp; throw; }
        }
        else
        {
            p.R[(int)Gpr.Rsp] = sp + (ulong)i.Size;
            SetReg(p, i.R0, 0, i.Size, v);
        }
    }

    internal static void Leave(Processor p, Insn i)
    {
        ulong bp = p.R[(int)Gpr.Rbp];
        ulong v = p.Read(bp, i.Size);
        p.R[(int)Gpr.Rsp] = bp + (ulong)i.Size;
        SetReg(p, (int)Gpr.Rbp, 0, i.Size, v);
    }

    /// <summary>PUSHF: RFLAGS with VM and RF cleared in the image (SDM Vol. 2B, PUSHF).</summary>
    internal static void Pushf(Processor p, Insn i) => Push(p, i.Size, p.Rflags & ~(ulong)(RFlags.VM | RFlags.RF));

    /// <summary>POPF: which flags it may load depends on CPL and IOPL (see <see cref="PopfValue"/>).</summary>
    internal static void Popf(Processor p, Insn i)
    {
        ulong v = p.Read(p.R[(int)Gpr.Rsp], i.Size);
        ulong flags = PopfValue(p, v, i.Size);
        p.R[(int)Gpr.Rsp] += (ulong)i.Size;
        p.Rflags = flags;
    }

    internal static void Lahf(Processor p, Insn i) => SetReg(p, 0, 8, 1, p.Rflags & 0xFF);
    internal static void Sahf(Processor p, Insn i) =>
        p.SetStatus(RFlags.CF | RFlags.PF | RFlags.AF | RFlags.ZF | RFlags.SF, (p.R[0] >> 8) & 0xFF);
}
