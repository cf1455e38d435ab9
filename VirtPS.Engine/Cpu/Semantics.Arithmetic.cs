using System.Numerics;
using System.Runtime.CompilerServices;

namespace VirtPS.Engine.Cpu;

internal static unsafe partial class Semantics
{
    // The ALU operations in their /digit order (ADD OR ADC SBB AND SUB XOR CMP), then TEST.
    internal const int OpAdd = 0, OpOr = 1, OpAdc = 2, OpSbb = 3, OpAnd = 4, OpSub = 5, OpXor = 6, OpCmp = 7, OpTest = 8;
    static readonly LazyOp[] AluFlags =
        [LazyOp.Add, LazyOp.Logic, LazyOp.Adc, LazyOp.Sbb, LazyOp.Logic, LazyOp.Sub, LazyOp.Logic, LazyOp.Sub, LazyOp.Logic];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static ulong AluValue(int op, ulong a, ulong b, bool cin) => op switch
    {
        OpAdd => a + b,
        OpOr => a | b,
        OpAdc => a + b + (cin ? 1UL : 0),
        OpSbb => a - b - (cin ? 1UL : 0),
        OpAnd or OpTest => a & b,
        OpXor => a ^ b,
        _ => a - b,
    };

    /// <summary>Any ALU form: reg/mem destination, reg/mem/imm source.</summary>
    internal static void Alu(Processor p, Insn i)
    {
        ulong ea = Ea0(p, i);
        ulong a = Get0(p, i, ea);
        ulong b = Get1(p, i);
        int op = i.Op;
        bool cin = (op == OpAdc || op == OpSbb) && p.CF;
        ulong r = AluValue(op, a, b, cin) & i.Mask;
        if (op < OpCmp) Put0(p, i, ea, r);
        p.FCin = cin;
        p.SetLazy(AluFlags[op], a, b, r, i.Mask);
    }

    // Fast paths for 64- and 32-bit register destinations, one instantiation per operation, so the JIT
    // compiles each to straight-line code (no operation switch, no carry-in test).

    internal static void AluRR<T>(Processor p, Insn i) where T : struct, IAluOp
    {
        ulong m = i.Mask;
        ref ulong d = ref p.Reg(i.R0);
        ulong a = d & m, b = p.Reg(i.R1) & m;
        ulong r = T.Apply(a, b) & m;
        if (T.WritesBack) d = r;
        p.SetLazy(T.Flags, a, b, r, m);
    }

    internal static void AluRI<T>(Processor p, Insn i) where T : struct, IAluOp
    {
        ulong m = i.Mask;
        ref ulong d = ref p.Reg(i.R0);
        ulong a = d & m, b = i.Imm;
        ulong r = T.Apply(a, b) & m;
        if (T.WritesBack) d = r;
        p.SetLazy(T.Flags, a, b, r, m);
    }

    internal static void AluRM<T>(Processor p, Insn i) where T : struct, IAluOp
    {
        ulong m = i.Mask;
        ulong b = i.Size == 8 ? p.Read64(i.Ea(p)) : p.Read32(i.Ea(p));
        ref ulong d = ref p.Reg(i.R0);
        ulong a = d & m;
        ulong r = T.Apply(a, b) & m;
        if (T.WritesBack) d = r;
        p.SetLazy(T.Flags, a, b, r, m);
    }

    /// <summary>INC/DEC of a 64- or 32-bit register.</summary>
    internal static void IncDecR(Processor p, Insn i)
    {
        ulong m = i.Mask;
        ref ulong d = ref p.Reg(i.R0);
        ulong a = d & m;
        bool inc = i.Op == 0;
        ulong r = (inc ? a + 1 : a - 1) & m;
        p.FCin = p.CF;
        d = r;
        p.SetLazy(inc ? LazyOp.Inc : LazyOp.Dec, a, 1, r, m);
    }

    /// <summary>INC and DEC: like ADD/SUB 1, but CF is preserved.</summary>
    internal static void IncDec(Processor p, Insn i)
    {
        ulong ea = Ea0(p, i);
        ulong a = Get0(p, i, ea);
        bool inc = i.Op == 0;
        ulong r = (inc ? a + 1 : a - 1) & i.Mask;
        bool cf = p.CF;
        Put0(p, i, ea, r);
        p.FCin = cf;
        p.SetLazy(inc ? LazyOp.Inc : LazyOp.Dec, a, 1, r, i.Mask);
    }

    internal static void Neg(Processor p, Insn i)
    {
        ulong ea = Ea0(p, i);
        ulong a = Get0(p, i, ea);
        ulong r = (0 - a) & i.Mask;
        Put0(p, i, ea, r);
        p.SetLazy(LazyOp.Sub, 0, a, r, i.Mask);
    }

    internal static void Not(Processor p, Insn i)
    {
        ulong ea = Ea0(p, i);
        Put0(p, i, ea, ~Get0(p, i, ea) & i.Mask);
    }

    // ---- shifts and rotates (SDM Vol. 2B, SAL/SAR/SHL/SHR and RCL/RCR/ROL/ROR) ----
    internal const int OpRol = 0, OpRor = 1, OpRcl = 2, OpRcr = 3, OpShl = 4, OpShr = 5, OpSar = 7;

    /// <summary>
    /// The count is masked to 5 bits (6 for 64-bit operands); a masked count of 0 changes no flags.
    /// Where the SDM leaves a flag undefined (OF for counts other than 1, AF), this follows a current
    /// Intel core: OF is computed with the count-1 formula and AF is cleared.
    /// </summary>
    internal static void Shift(Processor p, Insn i)
    {
        ulong ea = Ea0(p, i);
        ulong a = Get0(p, i, ea);
        int bits = i.Size * 8;
        int c = (int)(i.Loc1 == OpLoc.Imm ? i.Imm : p.R[(int)Gpr.Rcx]) & (bits == 64 ? 0x3F : 0x1F);
        if (c == 0) { if (i.Loc0 == OpLoc.Reg) Put0(p, i, ea, a); return; }   // no flags change; a 32-bit register still zero-extends
        ulong m = i.Mask, sign = m ^ (m >> 1);
        ulong r;
        bool cf, of;
        RFlags which = RFlags.CF | RFlags.OF;
        ulong extra = 0;
        switch (i.Op)
        {
            case OpRol:
            {
                int n = c % bits;
                r = n == 0 ? a : ((a << n) | (a >> (bits - n))) & m;
                cf = (r & 1) != 0;
                of = ((r & sign) != 0) ^ cf;
                break;
            }
            case OpRor:
            {
                int n = c % bits;
                r = n == 0 ? a : ((a >> n) | (a << (bits - n))) & m;
                cf = (r & sign) != 0;
                of = ((r ^ (r << 1)) & sign) != 0;
                break;
            }
            case OpRcl:
            {
                int n = bits == 8 ? c % 9 : bits == 16 ? c % 17 : c;
                cf = p.CF;
                r = a;
                for (int k = 0; k < n; k++) { bool out_ = (r & sign) != 0; r = ((r << 1) | (cf ? 1UL : 0)) & m; cf = out_; }
                of = ((r & sign) != 0) ^ cf;
                break;
            }
            case OpRcr:
            {
                int n = bits == 8 ? c % 9 : bits == 16 ? c % 17 : c;
                cf = p.CF;
                of = ((a & sign) != 0) ^ cf;
                r = a;
                for (int k = 0; k < n; k++) { bool out_ = (r & 1) != 0; r = (r >> 1) | (cf ? sign : 0); cf = out_; }
                break;
            }
            default:   // SHL/SAL, SHR, SAR: all six status flags replaced
                r = ShiftLogical(i.Op, a, c, i.Size, m, out extra);
                Put0(p, i, ea, r);
                p.SetStatus(RFlags.Status, extra);
                return;
        }
        Put0(p, i, ea, r);
        p.SetStatus(which, extra | (cf ? (ulong)RFlags.CF : 0) | (of ? (ulong)RFlags.OF : 0));
    }

    /// <summary>SHL/SHR/SAR of a 64- or 32-bit register by an immediate count (the general <see cref="Shift"/>, without
    /// its operand and operation switches).</summary>
    internal static void ShiftRI(Processor p, Insn i)
    {
        ulong m = i.Mask;
        ref ulong d = ref p.Reg(i.R0);
        int c = (int)i.Imm & (i.Size == 8 ? 0x3F : 0x1F);
        if (c == 0) { d &= m; return; }   // no flags change; a 32-bit register still zero-extends
        d = ShiftLogical(i.Op, d & m, c, i.Size, m, out ulong flags);
        p.SetStatus(RFlags.Status, flags);
    }

    /// <summary>SHL/SAL, SHR and SAR of <paramref name="a"/> by a masked count <paramref name="c"/> of 1 or more: the result,
    /// and in <paramref name="flags"/> the six status flags it sets (CF the last bit out; OF with the count-1 formula, as a
    /// current Intel core; AF cleared; SF, ZF, PF from the result). Shared by the handler and compiled blocks.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong ShiftLogical(int op, ulong a, int c, int size, ulong m, out ulong flags)
    {
        int bits = size * 8;
        ulong sign = m ^ (m >> 1);
        ulong r;
        bool cf, of;
        switch (op)
        {
            case OpShr:
                r = a >> c;
                cf = ((a >> (c - 1)) & 1) != 0;
                of = (a & sign) != 0;
                break;
            case OpSar:
            {
                long sa = (long)SignExtend(a, size);
                r = (ulong)(sa >> Math.Min(c, 63)) & m;
                cf = ((sa >> (c - 1)) & 1) != 0;
                of = false;
                break;
            }
            default: // SHL/SAL
                r = (a << c) & m;
                cf = c <= bits && (((a << (c - 1)) >> (bits - 1)) & 1) != 0;
                of = ((r & sign) != 0) ^ cf;
                break;
        }
        flags = Processor.SzpBits(r, m) | (cf ? (ulong)RFlags.CF : 0) | (of ? (ulong)RFlags.OF : 0);
        return r;
    }

    /// <summary>SHLD/SHRD (Op 0 = left, 1 = right): shift operand 0, filling from the register operand.</summary>
    internal static void DoubleShift(Processor p, Insn i)
    {
        ulong ea = Ea0(p, i);
        ulong a = Get0(p, i, ea);
        ulong b = GetReg(p, i.R1, 0, i.Size);
        int bits = i.Size * 8;
        int c = (int)(i.Loc2 == OpLoc.Imm ? i.Imm : p.R[(int)Gpr.Rcx]) & (bits == 64 ? 0x3F : 0x1F);
        if (c == 0) { if (i.Loc0 == OpLoc.Reg) Put0(p, i, ea, a); return; }
        ulong m = i.Mask, sign = m ^ (m >> 1);
        ulong r;
        bool cf;
        if (bits == 64 || c <= bits)
        {
            // The defined case: shift a, filling the vacated bits from b.
            if (i.Op == 0) { r = ((a << c) | (b >> (bits - c))) & m; cf = ((a >> (bits - c)) & 1) != 0; }
            else { r = ((a >> c) | (b << (bits - c))) & m; cf = ((a >> (c - 1)) & 1) != 0; }
        }
        else
        {
            // 16-bit operands with a count above 16 are undefined (SDM Vol. 2B, SHLD); Intel cores shift
            // through the 48-bit pattern a:b:a, and so does this.
            UInt128 wide = i.Op == 0
                ? ((UInt128)a << (2 * bits)) | ((UInt128)b << bits) | a
                : (UInt128)a | ((UInt128)b << bits) | ((UInt128)a << (2 * bits));
            r = (ulong)(i.Op == 0 ? wide >> (2 * bits - c) : wide >> c) & m;
            cf = ((i.Op == 0 ? wide >> (3 * bits - c) : wide >> (c - 1)) & 1) != 0;
        }
        bool of = ((r ^ a) & sign) != 0;
        Put0(p, i, ea, r);
        p.SetStatus(RFlags.Status, Processor.SzpBits(r, m) | (cf ? (ulong)RFlags.CF : 0) | (of ? (ulong)RFlags.OF : 0));
    }

    // ---- multiply and divide ----

    /// <summary>MUL and one-operand IMUL (Op 1 = signed): RDX:RAX (or AX) = accumulator × operand.</summary>
    internal static void MulAcc(Processor p, Insn i)
    {
        ulong ea = Ea0(p, i);
        ulong src = Get0(p, i, ea);
        bool signed = i.Op == 1;
        int size = i.Size, bits = size * 8;
        ulong acc = GetReg(p, 0, 0, size);
        ulong lo, hi;
        bool overflow;
        if (size == 8)
        {
            if (signed)
            {
                long h = Math.BigMul((long)acc, (long)src, out long l);
                lo = (ulong)l; hi = (ulong)h;
                overflow = h != (l >> 63);
            }
            else
            {
                hi = Math.BigMul(acc, src, out lo);
                overflow = hi != 0;
            }
        }
        else
        {
            ulong m = i.Mask;
            ulong full = signed ? (ulong)((long)SignExtend(acc, size) * (long)SignExtend(src, size)) : acc * src;
            lo = full & m; hi = (full >> bits) & m;
            overflow = signed ? (long)full != (long)SignExtend(lo, size) : hi != 0;
        }
        if (size == 1) SetReg(p, 0, 0, 2, (hi << 8) | lo);
        else { SetReg(p, 0, 0, size, lo); SetReg(p, (int)Gpr.Rdx, 0, size, hi); }
        // SF, ZF, AF and PF are undefined; this sets SF/ZF/PF from the low half and clears AF, as Intel cores do.
        p.SetStatus(RFlags.Status, Processor.SzpBits(lo, i.Mask) | (overflow ? (ulong)(RFlags.CF | RFlags.OF) : 0));
    }

    /// <summary>Two- and three-operand IMUL: register = operand × operand, truncated.</summary>
    internal static void ImulTrunc(Processor p, Insn i)
    {
        ulong a, b;
        if (i.Loc2 == OpLoc.Imm)
        {
            a = i.Loc1 == OpLoc.Reg ? GetReg(p, i.R1, 0, i.Size) : p.Read(i.Ea(p), i.Size);
            b = i.Imm;
        }
        else
        {
            a = GetReg(p, i.R0, 0, i.Size);
            b = i.Loc1 == OpLoc.Reg ? GetReg(p, i.R1, 0, i.Size) : p.Read(i.Ea(p), i.Size);
        }
        ulong lo = ImulTruncated(a, b, i.Size, i.Mask, out ulong flags);
        SetReg(p, i.R0, 0, i.Size, lo);
        p.SetStatus(RFlags.Status, flags);
    }

    /// <summary>The truncated signed product and the status flags IMUL sets: CF = OF = the product did not fit; SF, ZF, PF
    /// (undefined) from the result and AF cleared, as Intel cores do. Shared by the handler and compiled blocks.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong ImulTruncated(ulong a, ulong b, int size, ulong m, out ulong flags)
    {
        ulong lo;
        bool overflow;
        if (size == 8)
        {
            long h = Math.BigMul((long)a, (long)b, out long l);
            lo = (ulong)l; overflow = h != (l >> 63);
        }
        else
        {
            long full = (long)SignExtend(a, size) * (long)SignExtend(b, size);
            lo = (ulong)full & m;
            overflow = full != (long)SignExtend(lo, size);
        }
        flags = Processor.SzpBits(lo, m) | (overflow ? (ulong)(RFlags.CF | RFlags.OF) : 0);
        return lo;
    }

    /// <summary>DIV and IDIV (Op 1 = signed). #DE on a zero divisor or a quotient that does not fit.</summary>
    internal static void Divide(Processor p, Insn i)
    {
        ulong ea = Ea0(p, i);
        ulong d = Get0(p, i, ea);
        int size = i.Size, bits = size * 8;
        if (d == 0) throw new GuestFault(ExceptionVector.DE, null, null, "divide by zero");
        ulong m = i.Mask;
        ulong lo = GetReg(p, 0, 0, size);
        ulong hi = size == 1 ? (p.R[0] >> 8) & 0xFF : GetReg(p, (int)Gpr.Rdx, 0, size);
        ulong q, rem;
        if (i.Op == 0)
        {
            UInt128 n = ((UInt128)hi << bits) | lo;
            UInt128 qq = n / d;
            if (qq > m) throw new GuestFault(ExceptionVector.DE, null, null, "quotient too large");
            q = (ulong)qq; rem = (ulong)(n % d);
        }
        else
        {
            Int128 n = (Int128)(((UInt128)hi << bits) | lo);
            if (bits < 64) n = (n << (128 - 2 * bits)) >> (128 - 2 * bits);   // sign-extend the 2×bits dividend
            Int128 dv = (long)SignExtend(d, size);
            Int128 qq = dv == -1 ? -n : n / dv;
            Int128 rr = dv == -1 ? 0 : n % dv;
            Int128 max = (Int128)1 << (bits - 1);
            if (qq >= max || qq < -max) throw new GuestFault(ExceptionVector.DE, null, null, "quotient too large");
            q = (ulong)(long)qq & m; rem = (ulong)(long)rr & m;
        }
        if (size == 1) SetReg(p, 0, 0, 2, (rem << 8) | q);
        else { SetReg(p, 0, 0, size, q); SetReg(p, (int)Gpr.Rdx, 0, size, rem); }
        // All six flags are undefined after DIV/IDIV; Intel cores leave them unchanged, and so does this.
    }

    // ---- bit operations ----

    /// <summary>BT, BTS, BTR, BTC (Op 0..3). With a register bit offset and a memory operand the offset is
    /// signed and may address outside the operand (SDM Vol. 2A, BT, "bit base").</summary>
    internal static void BitTest(Processor p, Insn i)
    {
        int bits = i.Size * 8;
        ulong ea = 0;
        int bit;
        if (i.Loc1 == OpLoc.Imm) { bit = (int)(i.Imm & (ulong)(bits - 1)); if (i.Loc0 == OpLoc.Mem) ea = i.Ea(p); }
        else
        {
            long off = (long)SignExtend(GetReg(p, i.R1, 0, i.Size), i.Size);
            bit = (int)(off & (bits - 1));
            if (i.Loc0 == OpLoc.Mem) ea = i.Ea(p) + (ulong)((off >> BitOperations.Log2((uint)bits)) * i.Size);
        }
        ulong v = i.Loc0 == OpLoc.Mem ? p.Read(ea, i.Size) : GetReg(p, i.R0, 0, i.Size);
        bool cf = ((v >> bit) & 1) != 0;
        ulong b = 1UL << bit;
        switch (i.Op)
        {
            case 1: Put0(p, i, ea, v | b); break;
            case 2: Put0(p, i, ea, v & ~b); break;
            case 3: Put0(p, i, ea, v ^ b); break;
        }
        p.SetFlag(RFlags.CF, cf);
    }

    /// <summary>BSF/BSR (Op 0/1): with a zero source ZF is set and the destination is left unchanged.</summary>
    internal static void BitScan(Processor p, Insn i)
    {
        ulong src = Get1(p, i);
        if (src == 0) { p.SetFlag(RFlags.ZF, true); return; }
        int idx = i.Op == 0 ? BitOperations.TrailingZeroCount(src) : 63 - BitOperations.LeadingZeroCount(src);
        SetReg(p, i.R0, 0, i.Size, (ulong)idx);
        // CF, OF, SF, AF and PF are undefined; this leaves them as they were.
        p.SetFlag(RFlags.ZF, false);
    }

    /// <summary>TZCNT, LZCNT, POPCNT (Op 0, 1, 2).</summary>
    internal static void Count(Processor p, Insn i)
    {
        ulong src = Get1(p, i);
        int bits = i.Size * 8;
        ulong r = i.Op switch
        {
            0 => src == 0 ? (ulong)bits : (ulong)BitOperations.TrailingZeroCount(src),
            1 => src == 0 ? (ulong)bits : (ulong)(BitOperations.LeadingZeroCount(src) - (64 - bits)),
            _ => (ulong)BitOperations.PopCount(src),
        };
        SetReg(p, i.R0, 0, i.Size, r);
        if (i.Op == 2)
            p.SetStatus(RFlags.Status, src == 0 ? (ulong)RFlags.ZF : 0);
        else
            p.SetStatus(RFlags.CF | RFlags.ZF, (src == 0 ? (ulong)RFlags.CF : 0) | (r == 0 ? (ulong)RFlags.ZF : 0));
    }
}
