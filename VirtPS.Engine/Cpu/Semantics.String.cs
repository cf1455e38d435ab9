namespace VirtPS.Engine.Cpu;

internal static unsafe partial class Semantics
{
    /// <summary>Iterations of a REP string instruction done per execution before it yields: the instruction
    /// is restartable (RCX/RSI/RDI record progress), so long copies stay responsive to budgets and Ctrl+C,
    /// as real processors take interrupts between iterations.</summary>
    const int RepChunk = 256;

    /// <summary>MOVS, STOS, LODS, CMPS, SCAS with or without REP/REPE/REPNE (Op = <see cref="StringOp"/>).</summary>
    internal static void String(Processor p, Insn i)
    {
        var R = p.R;
        int size = i.Size;
        ulong amask = i.AddrSize == 8 ? ulong.MaxValue : 0xFFFF_FFFF;
        ulong delta = p.DF ? (ulong)(-size) : (ulong)size;
        var op = (StringOp)i.Op;
        bool rep = i.Rep != RepPrefix.None;
        if (op is StringOp.Ins or StringOp.Outs) CheckStringIo(p, i);
        int n = 0;
        while (true)
        {
            if (rep)
            {
                if ((R[(int)Gpr.Rcx] & amask) == 0)
                {
                    // No iteration, yet with a 32-bit address size a current Intel core still writes ECX (zero-extending
                    // RCX) and, for MOVS and STOS, ESI/EDI (measured on a Xeon; AMD keeps all three; the SDM is silent).
                    if (n == 0 && amask != ulong.MaxValue)
                    {
                        R[(int)Gpr.Rcx] &= amask;
                        if (op == StringOp.Movs) R[(int)Gpr.Rsi] &= amask;
                        if (op is StringOp.Movs or StringOp.Stos) R[(int)Gpr.Rdi] &= amask;
                    }
                    return;
                }
                if (n++ == RepChunk) { p.Ip = i.Ip; p.Unretired = true; return; }
            }
            ulong si = R[(int)Gpr.Rsi] & amask, di = R[(int)Gpr.Rdi] & amask;
            bool compare = false;
            switch (op)
            {
                case StringOp.Movs:
                    p.Write(di, size, p.Read(si + R[i.Seg], size));
                    R[(int)Gpr.Rsi] = Advance(R[(int)Gpr.Rsi], delta, amask);
                    R[(int)Gpr.Rdi] = Advance(R[(int)Gpr.Rdi], delta, amask);
                    break;
                case StringOp.Stos:
                    p.Write(di, size, GetReg(p, 0, 0, size));
                    R[(int)Gpr.Rdi] = Advance(R[(int)Gpr.Rdi], delta, amask);
                    break;
                case StringOp.Lods:
                    SetReg(p, 0, 0, size, p.Read(si + R[i.Seg], size));
                    R[(int)Gpr.Rsi] = Advance(R[(int)Gpr.Rsi], delta, amask);
                    break;
                case StringOp.Cmps:
                {
                    ulong a = p.Read(si + R[i.Seg], size), b = p.Read(di, size);
                    R[(int)Gpr.Rsi] = Advance(R[(int)Gpr.Rsi], delta, amask);
                    R[(int)Gpr.Rdi] = Advance(R[(int)Gpr.Rdi], delta, amask);
                    p.SetLazy(LazyOp.Sub, a, b, (a - b) & i.Mask, i.Mask);
                    compare = true;
                    break;
                }
                case StringOp.Ins:
                    p.Write(di, size, p.Ports.In((ushort)R[(int)Gpr.Rdx], size));
                    R[(int)Gpr.Rdi] = Advance(R[(int)Gpr.Rdi], delta, amask);
                    break;
                case StringOp.Outs:
                    p.Ports.Out((ushort)R[(int)Gpr.Rdx], size, p.Read(si + R[i.Seg], size));
                    R[(int)Gpr.Rsi] = Advance(R[(int)Gpr.Rsi], delta, amask);
                    break;
                default:
                {
                    ulong a = GetReg(p, 0, 0, size), b = p.Read(di, size);
                    R[(int)Gpr.Rdi] = Advance(R[(int)Gpr.Rdi], delta, amask);
                    p.SetLazy(LazyOp.Sub, a, b, (a - b) & i.Mask, i.Mask);
                    compare = true;
                    break;
                }
            }
            if (!rep) return;
            R[(int)Gpr.Rcx] = Advance(R[(int)Gpr.Rcx], ulong.MaxValue, amask);
            // REPE stops on a difference, REPNE on a match (CMPS and SCAS only).
            if (compare && (i.Rep == RepPrefix.Rep ? !p.ZF : p.ZF)) return;
        }
    }

    /// <summary>Adds to an index register at the address size: a 32-bit update zero-extends.</summary>
    static ulong Advance(ulong reg, ulong delta, ulong amask) => (reg + delta) & amask;
}
