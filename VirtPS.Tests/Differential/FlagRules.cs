using Iced.Intel;

namespace VirtPS.Tests.Differential;

/// <summary>
/// Which of the six status flags (and which results) the Intel SDM (Vol. 2, instruction reference,
/// "Flags Affected" sections; Appendix A of Vol. 1 for the summary table) defines for an instruction
/// and its operand values. The recording host is an AMD EPYC and the engine follows a current Intel
/// core; where the SDM says "undefined" the two are allowed to differ, so only defined flags are
/// compared. "Unaffected" counts as defined (the flag must keep its input value).
/// This is the only place that knows these rules; the generator stores the resulting mask in every vector.
/// </summary>
internal static class FlagRules
{
    public const ulong CF = 1 << 0, PF = 1 << 2, AF = 1 << 4, ZF = 1 << 6, SF = 1 << 7, OF = 1 << 11;
    public const ulong All = CF | PF | AF | ZF | SF | OF;

    /// <summary>
    /// Defined status flags after <paramref name="m"/> with a destination of <paramref name="bits"/> bits.
    /// <paramref name="count"/> is the raw count operand for shifts/rotates/SHLD/SHRD (before masking).
    /// </summary>
    public static ulong Defined(Mnemonic m, int bits, ulong count = 0)
    {
        switch (m)
        {
            // ADD/ADC/SUB/SBB/CMP/NEG/CMPXCHG/XADD/CMPS/SCAS: "OF, SF, ZF, AF, CF, PF set according to the result".
            // INC/DEC: "CF not affected; OF, SF, ZF, AF, PF set according to the result".
            case Mnemonic.Add: case Mnemonic.Adc: case Mnemonic.Sub: case Mnemonic.Sbb: case Mnemonic.Cmp:
            case Mnemonic.Neg: case Mnemonic.Inc: case Mnemonic.Dec: case Mnemonic.Cmpxchg: case Mnemonic.Xadd:
            case Mnemonic.Cmpsb: case Mnemonic.Cmpsw: case Mnemonic.Cmpsd: case Mnemonic.Cmpsq:
            case Mnemonic.Scasb: case Mnemonic.Scasw: case Mnemonic.Scasd: case Mnemonic.Scasq:
                return All;

            // AND/OR/XOR/TEST: "OF and CF cleared; SF, ZF, PF set according to the result. AF is undefined."
            case Mnemonic.And: case Mnemonic.Or: case Mnemonic.Xor: case Mnemonic.Test:
                return All & ~AF;

            // SAL/SAR/SHL/SHR: "If the count is 0, the flags are not affected. ... CF = last bit shifted out;
            // undefined for SHL and SHR where the count >= the operand size. OF affected only on 1-bit shifts,
            // otherwise undefined. SF, ZF, PF set according to the result. AF undefined for a non-zero count."
            case Mnemonic.Shl: case Mnemonic.Sal: case Mnemonic.Shr: case Mnemonic.Sar:
            {
                ulong c = count & (bits == 64 ? 0x3FUL : 0x1FUL);
                if (c == 0) return All;
                ulong d = All & ~AF;
                if (c != 1) d &= ~OF;
                if (m != Mnemonic.Sar && c >= (ulong)bits) d &= ~CF;
                return d;
            }

            // RCL/RCR/ROL/ROR: "If the masked count is 0, the flags are not affected. CF = bit rotated in;
            // OF defined only for 1-bit rotates, undefined otherwise. SF, ZF, AF, PF not affected."
            case Mnemonic.Rol: case Mnemonic.Ror: case Mnemonic.Rcl: case Mnemonic.Rcr:
            {
                ulong c = count & (bits == 64 ? 0x3FUL : 0x1FUL);
                if (c == 0) return All;
                return c == 1 ? All : All & ~OF;
            }

            // SHLD/SHRD: "If the count is 0, the flags are not affected. If the count is greater than the operand
            // size, the flags [and the destination] are undefined. CF = last bit shifted out; OF only for 1-bit
            // shifts; SF, ZF, PF according to the result; AF undefined."
            case Mnemonic.Shld: case Mnemonic.Shrd:
            {
                ulong c = count & (bits == 64 ? 0x3FUL : 0x1FUL);
                if (c == 0) return All;
                if (c > (ulong)bits) return 0;
                return c == 1 ? All & ~AF : All & ~AF & ~OF;
            }

            // MUL/IMUL: "OF and CF set/cleared by whether the upper half is significant; SF, ZF, AF, PF undefined."
            case Mnemonic.Mul: case Mnemonic.Imul:
                return CF | OF;

            // DIV/IDIV: "CF, OF, SF, ZF, AF, and PF are undefined."
            case Mnemonic.Div: case Mnemonic.Idiv:
                return 0;

            // BT/BTS/BTR/BTC: "CF = the selected bit. ZF is unaffected [Intel]; OF, SF, AF, PF are undefined."
            // AMD's APM lists ZF as undefined too, so an AMD host cannot vouch for ZF: only CF is compared.
            case Mnemonic.Bt: case Mnemonic.Bts: case Mnemonic.Btr: case Mnemonic.Btc:
                return CF;

            // BSF/BSR: "ZF set if the source is 0, else cleared. CF, OF, SF, AF, PF undefined."
            case Mnemonic.Bsf: case Mnemonic.Bsr:
                return ZF;

            // TZCNT/LZCNT: "ZF set if the result is 0, CF set if the source is 0; OF, SF, PF, AF undefined."
            case Mnemonic.Tzcnt: case Mnemonic.Lzcnt:
                return CF | ZF;

            // POPCNT: "OF, SF, ZF, AF, CF, PF all cleared; ZF set if the source is 0." All defined.
            case Mnemonic.Popcnt:
                return All;

            // Everything else tested here (MOV*, LEA, XCHG, BSWAP, NOT, SETcc, CMOVcc, CBW..CQO, PUSH/POP,
            // MOVS/STOS/LODS, Jcc, LOOP*, JRCXZ, CLC/STC/CMC) affects no flag or defines all it touches.
            default:
                return All;
        }
    }

    /// <summary>
    /// Registers whose upper 32 bits differ between vendors, so only their low halves are compared: a REP string
    /// instruction with a 32-bit address size (67h) and ECX = 0 runs no iteration. An Intel core (a Xeon, measured) still
    /// writes ECX, zero-extending RCX, and MOVS/STOS also write ESI/EDI; an AMD EPYC (where the vectors were recorded)
    /// leaves all three as they were. The SDM does not say. The engine follows the Intel core.
    /// </summary>
    public static ushort VendorSpecificUpperHalves(Vector v)
    {
        if ((uint)v.Input.Gpr[1] != 0) return 0;
        var d = Decoder.Create(64, v.Code);
        d.IP = v.CodeStart;
        var ins = d.Decode();
        if (!(ins.HasRepPrefix || ins.HasRepePrefix || ins.HasRepnePrefix) || !ins.IsStringInstruction) return 0;
        if (ins.MemorySize == MemorySize.Unknown || !HasAddressSize32(ins)) return 0;
        return (1 << 1) | (1 << 6) | (1 << 7);   // RCX, RSI, RDI
    }

    static bool HasAddressSize32(in Instruction ins)
    {
        for (int n = 0; n < ins.OpCount; n++)
            if (ins.GetOpKind(n) is OpKind.MemorySegESI or OpKind.MemoryESEDI) return true;
        return false;
    }

    /// <summary>
    /// True when the SDM leaves the destination undefined: BSF/BSR with a zero source ("the content of the
    /// destination operand is undefined"), SHLD/SHRD with a masked count greater than the operand size.
    /// </summary>
    public static bool ResultUndefined(Mnemonic m, int bits, ulong countOrSource)
    {
        switch (m)
        {
            case Mnemonic.Bsf: case Mnemonic.Bsr:
                return (countOrSource & (bits == 64 ? ulong.MaxValue : (1UL << bits) - 1)) == 0;
            case Mnemonic.Shld: case Mnemonic.Shrd:
                return (countOrSource & (bits == 64 ? 0x3FUL : 0x1FUL)) > (ulong)bits;
            default:
                return false;
        }
    }

    public static string Describe(ulong flags)
    {
        var parts = new List<string>();
        if ((flags & CF) != 0) parts.Add("CF");
        if ((flags & PF) != 0) parts.Add("PF");
        if ((flags & AF) != 0) parts.Add("AF");
        if ((flags & ZF) != 0) parts.Add("ZF");
        if ((flags & SF) != 0) parts.Add("SF");
        if ((flags & OF) != 0) parts.Add("OF");
        if ((flags & (1 << 10)) != 0) parts.Add("DF");
        return parts.Count == 0 ? "-" : string.Join(",", parts);
    }
}
