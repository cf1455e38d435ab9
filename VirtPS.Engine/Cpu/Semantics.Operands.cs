using System.Runtime.CompilerServices;

namespace VirtPS.Engine.Cpu;

/// <summary>
/// Instruction semantics (Intel SDM Vol. 2). Every handler takes the processor and the decoded instruction;
/// the run loop calls them through the function pointer chosen at decode time. Handlers that store to memory
/// do the store before they change registers or flags, so an instruction that faults leaves no trace
/// (x86 exceptions are precise).
/// </summary>
internal static unsafe partial class Semantics
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong GetReg(Processor p, int r, int shift, int size) => size switch
    {
        8 => p.R[r],
        4 => (uint)p.R[r],
        2 => (ushort)p.R[r],
        _ => (byte)(p.R[r] >> shift),
    };

    /// <summary>Writes a register with the x86-64 rules: a 32-bit write zero-extends, 8/16-bit writes merge.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void SetReg(Processor p, int r, int shift, int size, ulong v)
    {
        ref ulong x = ref p.R[r];
        switch (size)
        {
            case 8: x = v; break;
            case 4: x = (uint)v; break;
            case 2: x = (x & ~0xFFFFUL) | (ushort)v; break;
            default: x = (x & ~(0xFFUL << shift)) | ((ulong)(byte)v << shift); break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static ulong Ea0(Processor p, Insn i) => i.Loc0 == OpLoc.Mem ? i.Ea(p) : 0;

    /// <summary>Operand 0 (the destination), given its effective address if it is in memory.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static ulong Get0(Processor p, Insn i, ulong ea) =>
        i.Loc0 == OpLoc.Mem ? p.Read(ea, i.Size) : GetReg(p, i.R0, i.Shift0, i.Size);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Put0(Processor p, Insn i, ulong ea, ulong v)
    {
        if (i.Loc0 == OpLoc.Mem) p.Write(ea, i.Size, v);
        else SetReg(p, i.R0, i.Shift0, i.Size, v);
    }

    /// <summary>Operand 1 (the source): register, immediate or memory.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static ulong Get1(Processor p, Insn i) => i.Loc1 switch
    {
        OpLoc.Reg => GetReg(p, i.R1, i.Shift1, i.Size),
        OpLoc.Imm => i.Imm,
        _ => p.Read(i.Ea(p), i.Size),
    };

    /// <summary>Operand 1 read at the instruction's source size (MOVZX, MOVSX, MOVSXD).</summary>
    static ulong Get1Src(Processor p, Insn i) =>
        i.Loc1 == OpLoc.Reg ? GetReg(p, i.R1, i.Shift1, i.SrcSize) : p.Read(i.Ea(p), i.SrcSize);

    static ulong SignExtend(ulong v, int size) => size switch
    {
        1 => (ulong)(sbyte)v,
        2 => (ulong)(short)v,
        4 => (ulong)(int)v,
        _ => v,
    };

    internal static ulong MaskOf(int size) => size == 8 ? ulong.MaxValue : (1UL << (size * 8)) - 1;

    // Stack: pushes store first, then move RSP, so a faulting push changes nothing.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Push(Processor p, int size, ulong v)
    {
        ulong sp = p.R[(int)Gpr.Rsp] - (ulong)size;
        p.Write(sp, size, v);
        p.R[(int)Gpr.Rsp] = sp;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static ulong Pop(Processor p, int size)
    {
        ulong sp = p.R[(int)Gpr.Rsp];
        ulong v = p.Read(sp, size);
        p.R[(int)Gpr.Rsp] = sp + (ulong)size;
        return v;
    }
}
