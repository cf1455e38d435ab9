using System.Numerics;
using Iced.Intel;
using static Iced.Intel.Register;

namespace VirtPS.Tests.Differential;

/// <summary>A family of vectors: one theory case. <see cref="Make"/> builds vector <c>i</c> from a per-vector RNG.</summary>
internal sealed class Form
{
    public required string Id;
    public required string Group;
    public required int Count;
    public required Func<Rng, int, Vector> Make;
    /// <summary>Vectors 2k and 2k+1 get the same RNG (same operands); the form makes them differ in input CF.</summary>
    public bool Paired;

    public IEnumerable<Vector> Generate(ulong seed, int? count = null)
    {
        ulong fs = seed ^ Rng.Hash(Id);
        int n = count ?? Count;
        for (int i = 0; i < n; i++)
            yield return Make(new Rng(fs + (ulong)(Paired ? i >> 1 : i) * 0xD1B5_4A32_D192_ED03UL), i);
    }
}

/// <summary>
/// Every instruction form under test. Most forms come from Iced's opcode table: each legacy <see cref="Code"/>
/// of a mnemonic under test, with its operands bound to registers (legacy, high-byte AH..BH, REX, same
/// register twice) or to one memory addressing form; branches, loops and string instructions are built by hand.
/// All bytes are produced by Iced's encoder or assembler.
/// </summary>
internal static class Catalog
{
    /// <summary>The seed the committed vectors were recorded with.</summary>
    public const ulong RecordSeed = 0x5669_7274_5053_0001UL;

    public static IReadOnlyList<Form> All => LazyAll.Value;
    static readonly Lazy<List<Form>> LazyAll = new(Build);

    static List<Form> Build()
    {
        var forms = new List<Form>();
        forms.AddRange(CodeForms());
        forms.AddRange(StackPointerForms());
        forms.AddRange(BranchForms());
        forms.AddRange(LoopForms());
        forms.AddRange(StringForms());
        forms.AddRange(FlagPairForms());
        var dup = forms.GroupBy(f => f.Id).FirstOrDefault(g => g.Count() > 1);
        if (dup != null) throw new InvalidOperationException("duplicate form id " + dup.Key);
        return forms;
    }

    // ------------------------------------------------------------------ groups

    static string? GroupOf(Mnemonic m) => m switch
    {
        Mnemonic.Add or Mnemonic.Adc or Mnemonic.Sub or Mnemonic.Sbb or Mnemonic.Cmp => "arith",
        Mnemonic.And or Mnemonic.Or or Mnemonic.Xor or Mnemonic.Test => "logic",
        Mnemonic.Inc or Mnemonic.Dec or Mnemonic.Neg or Mnemonic.Not => "unary",
        Mnemonic.Shl or Mnemonic.Shr or Mnemonic.Sar => "shift",
        Mnemonic.Rol or Mnemonic.Ror or Mnemonic.Rcl or Mnemonic.Rcr => "rotate",
        Mnemonic.Shld or Mnemonic.Shrd => "shiftd",
        Mnemonic.Mul or Mnemonic.Imul or Mnemonic.Div or Mnemonic.Idiv => "muldiv",
        Mnemonic.Bt or Mnemonic.Bts or Mnemonic.Btr or Mnemonic.Btc => "bittest",
        Mnemonic.Bsf or Mnemonic.Bsr or Mnemonic.Tzcnt or Mnemonic.Lzcnt or Mnemonic.Popcnt => "bitscan",
        Mnemonic.Mov or Mnemonic.Movzx or Mnemonic.Movsx or Mnemonic.Movsxd or Mnemonic.Lea or Mnemonic.Bswap => "move",
        Mnemonic.Xchg or Mnemonic.Cmpxchg or Mnemonic.Xadd => "exchange",
        Mnemonic.Cbw or Mnemonic.Cwde or Mnemonic.Cdqe or Mnemonic.Cwd or Mnemonic.Cdq or Mnemonic.Cqo
            or Mnemonic.Clc or Mnemonic.Stc or Mnemonic.Cmc => "convert",
        Mnemonic.Push or Mnemonic.Pop => "stack",
        _ when m.ToString().StartsWith("Set", StringComparison.Ordinal) && m.ToString().Length <= 5 => "setcc",
        _ when m.ToString().StartsWith("Cmov", StringComparison.Ordinal) && m.ToString().Length <= 6 => "cmovcc",
        _ => null,
    };

    // ------------------------------------------------------------------ operand slots

    enum SlotKind { Rm, Reg, Fixed, Imm, Lea, Moffs }

    sealed record Slot(SlotKind Kind, int Bits, OpCodeOperandKind Op, Register Fixed = Register.None);

    enum MemKind { None, BaseDisp, BaseIndex, Rip, Addr32, RspBase, Lea64, Lea32, LeaRip, Moffs }

    static Slot? ToSlot(OpCodeOperandKind k) => k switch
    {
        OpCodeOperandKind.r8_or_mem => new(SlotKind.Rm, 8, k),
        OpCodeOperandKind.r16_or_mem => new(SlotKind.Rm, 16, k),
        OpCodeOperandKind.r32_or_mem => new(SlotKind.Rm, 32, k),
        OpCodeOperandKind.r64_or_mem => new(SlotKind.Rm, 64, k),
        OpCodeOperandKind.r8_reg or OpCodeOperandKind.r8_opcode => new(SlotKind.Reg, 8, k),
        OpCodeOperandKind.r16_reg or OpCodeOperandKind.r16_opcode => new(SlotKind.Reg, 16, k),
        OpCodeOperandKind.r32_reg or OpCodeOperandKind.r32_opcode => new(SlotKind.Reg, 32, k),
        OpCodeOperandKind.r64_reg or OpCodeOperandKind.r64_opcode => new(SlotKind.Reg, 64, k),
        OpCodeOperandKind.al => new(SlotKind.Fixed, 8, k, AL),
        OpCodeOperandKind.cl => new(SlotKind.Fixed, 8, k, CL),
        OpCodeOperandKind.ax => new(SlotKind.Fixed, 16, k, AX),
        OpCodeOperandKind.eax => new(SlotKind.Fixed, 32, k, EAX),
        OpCodeOperandKind.rax => new(SlotKind.Fixed, 64, k, RAX),
        OpCodeOperandKind.imm8 or OpCodeOperandKind.imm8_const_1 or OpCodeOperandKind.imm8sex16
            or OpCodeOperandKind.imm8sex32 or OpCodeOperandKind.imm8sex64 => new(SlotKind.Imm, 8, k),
        OpCodeOperandKind.imm16 => new(SlotKind.Imm, 16, k),
        OpCodeOperandKind.imm32 or OpCodeOperandKind.imm32sex64 => new(SlotKind.Imm, 32, k),
        OpCodeOperandKind.imm64 => new(SlotKind.Imm, 64, k),
        OpCodeOperandKind.mem => new(SlotKind.Lea, 0, k),
        OpCodeOperandKind.mem_offs => new(SlotKind.Moffs, 0, k),
        _ => null,
    };

    static bool Wanted(Code code, out Slot[] slots)
    {
        slots = [];
        var op = code.ToOpCode();
        if (!op.IsInstruction || !op.Mode64 || op.Encoding != EncodingKind.Legacy) return false;
        if (GroupOf(code.Mnemonic()) == null) return false;
        var name = code.ToString();
        // Undocumented aliases (SAL /6, TEST F6/F7 /1), 16-bit MOVSXD and BSWAP (undefined), segment forms.
        if (code.Mnemonic() == Mnemonic.Sal || name.Contains("_F6r1") || name.Contains("_F7r1")
            || code is Code.Movsxd_r16_rm16 or Code.Bswap_r16) return false;
        var list = new List<Slot>();
        for (int i = 0; i < op.OpCount; i++)
        {
            var s = ToSlot(op.GetOpKind(i));
            if (s == null) return false;
            list.Add(s);
        }
        if (list.Count(s => s.Kind is SlotKind.Lea or SlotKind.Moffs) > 0 && list.Any(s => s.Kind == SlotKind.Rm)) return false;
        slots = list.ToArray();
        return true;
    }

    // ------------------------------------------------------------------ registers

    static readonly Register[] Lo64 = [RBX, RCX, RDX, RSI, RDI, RBP, RAX];
    static readonly Register[] Rex64 = [R9, R14, R10, R15, R8, R11, R12, R13];
    static readonly Register[] Lo8 = [BL, CL, DL, AL];
    static readonly Register[] Hi8 = [BH, CH, DH, AH];
    static readonly Register[] Rex8 = [R9L, SIL, R14L, DIL, BPL, R10L, R15L];
    static readonly Register[] MemBase = [RBX, RBP, RSI, RDI, R12, R13, R8, R15, R10, R11, R9, R14, RCX, RDX];
    static readonly Register[] MemIndexRex = [R10, R11, R9, R14, RSI, RDI, RBP, RBX, RCX];
    static readonly Register[] MemBaseRex = [R13, R12, R8, R15, R9, RBX, RBP];

    internal static Register Sized(Register full, int bits)
    {
        int idx = full - RAX;
        return bits switch
        {
            64 => full,
            32 => EAX + idx,
            16 => AX + idx,
            _ => idx < 4 ? AL + idx : idx < 8 ? SPL + (idx - 4) : R8L + (idx - 8),
        };
    }

    internal static int GprIndexOf(Register r) => r.GetFullRegister() - RAX;

    static HashSet<Register> Implicit(Code code, Mnemonic m)
    {
        var op = code.ToOpCode();
        return m switch
        {
            Mnemonic.Mul or Mnemonic.Div or Mnemonic.Idiv => [RAX, RDX],
            Mnemonic.Imul when op.OpCount == 1 => [RAX, RDX],
            Mnemonic.Cmpxchg => [RAX],
            Mnemonic.Cbw or Mnemonic.Cwde or Mnemonic.Cdqe or Mnemonic.Cwd or Mnemonic.Cdq or Mnemonic.Cqo => [RAX, RDX],
            _ => [],
        };
    }

    /// <summary>A form's fixed binding: a register per register slot, or the memory addressing form.</summary>
    sealed class Binding
    {
        public required Code Code;
        public required Slot[] Slots;
        public required Register[] Regs;     // per slot (None for imm / memory)
        public MemKind Mem;
        public Register Base = Register.None, Index = Register.None;
        public bool Lock;
        public required string Name;
        public Mnemonic M => Code.Mnemonic();
    }

    /// <summary>Forms also run with the instruction straddling a code page boundary (every split point).</summary>
    static readonly HashSet<Code> PageCrossCodes =
    [
        Code.Mov_r64_imm64, Code.Add_rm64_imm32, Code.Imul_r64_rm64_imm32, Code.Cmpxchg_rm64_r64, Code.Movzx_r32_rm16,
        Code.Bt_rm64_imm8, Code.Sub_rm16_imm16, Code.Cmovg_r64_rm64, Code.Setl_rm8, Code.Push_rm64, Code.Movsxd_r64_rm32,
        Code.Xadd_rm32_r32, Code.Shld_rm32_r32_imm8, Code.Lea_r64_m, Code.Rcl_rm16_CL, Code.Test_rm8_imm8, Code.Div_rm32, Code.Inc_rm16,
    ];

    static IEnumerable<Form> CodeForms()
    {
        int ordinal = 0;
        foreach (Code code in Enum.GetValues<Code>())
        {
            if (!Wanted(code, out var slots)) continue;
            ordinal++;
            Binding? longest = null;
            int longestLen = 0;
            foreach (var b in Bindings(code, slots, ordinal))
            {
                if (!Encodes(b)) continue;
                yield return MakeCodeForm(b, pageCross: false);
                int len = new Ctx(b, new Rng(1), 0).Encode().Length;
                if (len > longestLen) { longest = b; longestLen = len; }
            }
            if (longest != null && PageCrossCodes.Contains(code))
                yield return MakeCodeForm(longest, pageCross: true);
        }
    }

    static IEnumerable<Binding> Bindings(Code code, Slot[] slots, int ordinal)
    {
        var m = code.Mnemonic();
        bool hasRegRole = slots.Any(s => s.Kind is SlotKind.Rm or SlotKind.Reg);
        bool has8 = slots.Any(s => s.Kind is SlotKind.Rm or SlotKind.Reg && s.Bits == 8);
        bool hasRm = slots.Any(s => s.Kind == SlotKind.Rm);
        int regRoles = slots.Count(s => s.Kind is SlotKind.Rm or SlotKind.Reg);

        if (slots.Any(s => s.Kind == SlotKind.Lea))
        {
            yield return Bind(code, slots, "lo", MemKind.Lea64);
            yield return Bind(code, slots, "rex", MemKind.Lea32);
            yield return Bind(code, slots, "lo", MemKind.LeaRip);
            yield break;
        }
        if (slots.Any(s => s.Kind == SlotKind.Moffs))
        {
            yield return Bind(code, slots, "lo", MemKind.Moffs);
            yield break;
        }
        if (!hasRegRole)
        {
            yield return Bind(code, slots, "-", MemKind.None);
            yield break;
        }
        yield return Bind(code, slots, "lo", MemKind.None);
        if (has8) yield return Bind(code, slots, "hi", MemKind.None);
        yield return Bind(code, slots, "rex", MemKind.None);
        if (regRoles >= 2 && slots.Where(s => s.Kind is SlotKind.Rm or SlotKind.Reg).Select(s => s.Bits).Distinct().Count() == 1
            && m is not (Mnemonic.Bt or Mnemonic.Bts or Mnemonic.Btr or Mnemonic.Btc))
            yield return Bind(code, slots, "same", MemKind.None);
        if (m == Mnemonic.Cmpxchg)
            yield return Bind(code, slots, "acc", MemKind.None);   // the destination is the accumulator itself
        if (hasRm)
        {
            MemKind[] kinds = [MemKind.BaseDisp, MemKind.BaseIndex, MemKind.Rip, MemKind.Addr32];
            yield return Bind(code, slots, ordinal % 2 == 0 ? "lo" : "rex", kinds[ordinal % kinds.Length]);
            if (m is Mnemonic.Push or Mnemonic.Pop)
                yield return Bind(code, slots, "lo", MemKind.RspBase);
            if (code.ToOpCode().CanUseLockPrefix)
            {
                var locked = Bind(code, slots, "lo", ordinal % 2 == 0 ? MemKind.BaseIndex : MemKind.BaseDisp);
                locked.Lock = true;
                locked.Name = "lock " + locked.Name;
                yield return locked;
            }
        }
    }

    static Binding Bind(Code code, Slot[] slots, string pool, MemKind mem)
    {
        var m = code.Mnemonic();
        var used = new HashSet<Register>(Implicit(code, m));
        foreach (var s in slots) if (s.Kind == SlotKind.Fixed) used.Add(s.Fixed.GetFullRegister());
        var regs = new Register[slots.Length];
        Register same = Register.None;
        if (pool == "same")
        {
            same = Lo64.First(r => !used.Contains(r));
            used.Add(same);
        }
        for (int i = 0; i < slots.Length; i++)
        {
            var s = slots[i];
            if (s.Kind == SlotKind.Fixed) { regs[i] = s.Fixed; continue; }
            if (s.Kind == SlotKind.Rm && mem != MemKind.None) continue;
            if (s.Kind is not (SlotKind.Rm or SlotKind.Reg)) continue;
            if (same != Register.None) { regs[i] = Sized(same, s.Bits); continue; }
            if (pool == "acc" && s.Kind == SlotKind.Rm) { regs[i] = Sized(RAX, s.Bits); continue; }
            IEnumerable<Register> cands = (pool, s.Bits) switch
            {
                ("hi", 8) => Hi8,
                ("lo" or "hi" or "acc", 8) => Lo8,
                ("rex", 8) => Rex8,
                ("rex", _) => Rex64.Select(r => Sized(r, s.Bits)),
                _ => Lo64.Select(r => Sized(r, s.Bits)),
            };
            // XCHG r, rAX with rAX encodes as NOP (90), which is not an exchange: keep rAX out.
            var pick = cands.First(r => !used.Contains(r.GetFullRegister()));
            regs[i] = pick;
            used.Add(pick.GetFullRegister());
        }
        var b = new Binding { Code = code, Slots = slots, Regs = regs, Mem = mem, Name = "" };
        switch (mem)
        {
            case MemKind.BaseDisp: case MemKind.Addr32: case MemKind.Lea32:
                b.Base = MemBase.First(r => !used.Contains(r)); used.Add(b.Base);
                if (mem == MemKind.Lea32) { b.Index = MemBase.First(r => !used.Contains(r)); used.Add(b.Index); }
                break;
            case MemKind.BaseIndex: case MemKind.Lea64:
                b.Base = MemBaseRex.First(r => !used.Contains(r)); used.Add(b.Base);
                b.Index = MemIndexRex.First(r => !used.Contains(r)); used.Add(b.Index);
                break;
            case MemKind.RspBase:
                b.Base = RSP;
                break;
        }
        var regText = string.Join(",", regs.Where((r, i) => r != Register.None && slots[i].Kind != SlotKind.Fixed).Select(r => r.ToString().ToLowerInvariant()));
        b.Name = $"{code}:{(mem == MemKind.None ? pool : mem.ToString().ToLowerInvariant())}{(regText.Length > 0 ? "(" + regText + ")" : "")}";
        return b;
    }

    static bool Encodes(Binding b)
    {
        try
        {
            var ctx = new Ctx(b, new Rng(1), 0);
            ctx.Encode();
            return true;
        }
        catch (EncoderException) { return false; }
    }

    // ------------------------------------------------------------------ values

    static readonly ulong[] Edges64 =
    [
        0, 1, 2, ulong.MaxValue, 0x7F, 0x80, 0xFF, 0x7FFF, 0x8000, 0xFFFF, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF,
        0x7FFF_FFFF_FFFF_FFFF, 0x8000_0000_0000_0000, 0xFFFF_FFFF_FFFF_FFFE, 0x1_0000_0000, 0x0F, 0x10,
    ];

    static ulong Mask(int bits) => bits == 64 ? ulong.MaxValue : (1UL << bits) - 1;

    /// <summary>An operand value: edge values (0, 1, -1, sign boundaries) of the operand size and of 64 bits, or random.</summary>
    internal static ulong Val(Rng r, int bits)
    {
        ulong mask = Mask(bits), sign = 1UL << (bits - 1);
        switch (r.Below(10))
        {
            case 0: case 1: case 2:
            {
                ulong[] e = [0, 1, 2, mask, mask - 1, sign, sign - 1, sign + 1, 0x0F, 0x10, 0x7F & mask, 0x80 & mask];
                ulong v = r.Pick(e);
                return r.Below(3) switch { 0 => v, 1 => v | (r.Next() & ~mask), _ => v | ~mask };
            }
            case 3: case 4:
                return r.Pick(Edges64);
            case 5:
                return r.Next() & r.Next();          // sparse
            case 6:
                return r.Next() | r.Next();          // dense
            default:
                return r.Next();
        }
    }

    static long ImmVal(Rng r, OpCodeOperandKind k) => k switch
    {
        OpCodeOperandKind.imm8_const_1 => 1,
        OpCodeOperandKind.imm8 => r.Below(3) == 0 ? (long)r.Next() & 0xFF : r.Pick<long>([0, 1, 2, 7, 8, 0x1F, 0x20, 0x3F, 0x40, 0x7F, 0x80, 0xFE, 0xFF]),
        OpCodeOperandKind.imm8sex16 or OpCodeOperandKind.imm8sex32 or OpCodeOperandKind.imm8sex64 =>
            r.Below(3) == 0 ? (sbyte)r.Next() : r.Pick<long>([0, 1, -1, 2, 0x7F, -0x80, -2, 0x40]),
        OpCodeOperandKind.imm16 => r.Below(3) == 0 ? (long)r.Next() & 0xFFFF : r.Pick<long>([0, 1, 0xFFFF, 0x7FFF, 0x8000, 0xFF, 0x100]),
        OpCodeOperandKind.imm32 or OpCodeOperandKind.imm32sex64 =>
            r.Below(3) == 0 ? (int)r.Next() : r.Pick<long>([0, 1, -1, int.MaxValue, int.MinValue, 0xFF, 0xFFFF, 0x8000, -2]),
        OpCodeOperandKind.imm64 => (long)Val(r, 64),
        _ => throw new ArgumentOutOfRangeException(nameof(k), k, null),
    };

    const ulong DF = 1 << 10;

    static ulong RandomFlags(Rng r)
    {
        ulong status = r.Below(10) switch
        {
            0 => 0,
            1 => FlagRules.All,
            _ => r.Next() & FlagRules.All,
        };
        return 0x202 | status | (r.Below(10) == 0 ? DF : 0);
    }

    /// <summary>All 32 combinations of CF, PF, ZF, SF, OF (AF random) for condition-code tests.</summary>
    static ulong ComboFlags(Rng r, int i) =>
        0x202 | ((ulong)(i & 1) * FlagRules.CF) | ((ulong)(i >> 1 & 1) * FlagRules.PF) | ((ulong)(i >> 2 & 1) * FlagRules.ZF)
        | ((ulong)(i >> 3 & 1) * FlagRules.SF) | ((ulong)(i >> 4 & 1) * FlagRules.OF) | (r.Below(2) == 0 ? FlagRules.AF : 0);

    // ------------------------------------------------------------------ per-vector context

    sealed class Ctx
    {
        public readonly Binding B;
        public readonly Rng R;
        public readonly int I;
        public readonly MachineState S = MachineState.Initial();
        public readonly long[] Imm;
        public ulong Ea;
        public int Scale = 1;
        public long Disp;

        public Ctx(Binding b, Rng r, int i)
        {
            B = b; R = r; I = i;
            Imm = new long[b.Slots.Length];
        }

        public static ulong Read(MachineState s, Register reg)
        {
            ulong full = s.Gpr[GprIndexOf(reg)];
            int bits = reg.GetSize() * 8;
            int shift = reg is AH or CH or DH or BH ? 8 : 0;
            return (full >> shift) & Mask(bits);
        }

        public ulong GetReg(Register reg) => Read(S, reg);

        public void SetReg(Register reg, ulong v)
        {
            int idx = GprIndexOf(reg);
            int bits = reg.GetSize() * 8;
            int shift = reg is AH or CH or DH or BH ? 8 : 0;
            ulong m = Mask(bits) << shift;
            S.Gpr[idx] = (S.Gpr[idx] & ~m) | ((v << shift) & m);
        }

        public void SetMem(ulong addr, ulong v, int bits)
        {
            Span<byte> b = stackalloc byte[8];
            BitConverter.TryWriteBytes(b, v);
            S.Poke(addr, b[..(bits / 8)]);
        }

        public ulong GetMem(ulong addr, int bits)
        {
            Span<byte> b = stackalloc byte[8];
            S.Peek(addr, bits / 8).CopyTo(b);
            return BitConverter.ToUInt64(b) & Mask(bits);
        }

        public bool IsMem(int slot) => B.Regs[slot] == Register.None && B.Slots[slot].Kind is SlotKind.Rm;
        public int Bits(int slot) => B.Slots[slot].Bits;

        public ulong Get(int slot) => B.Slots[slot].Kind switch
        {
            SlotKind.Imm => (ulong)Imm[slot] & Mask(B.Slots[slot].Bits),
            _ when IsMem(slot) => GetMem(Ea, Bits(slot)),
            _ => GetReg(B.Regs[slot]),
        };

        public void Set(int slot, ulong v)
        {
            if (B.Slots[slot].Kind == SlotKind.Imm) Imm[slot] = (long)v;
            else if (IsMem(slot)) SetMem(Ea, v, Bits(slot));
            else SetReg(B.Regs[slot], v);
        }

        /// <summary>Initial values: random full registers, a memory operand inside the data buffer, immediates.</summary>
        public void Fill(ulong eaLo, ulong eaHi)
        {
            foreach (var full in Implicit(B.Code, B.M)) S.Gpr[GprIndexOf(full)] = Val(R, 64);
            for (int i = 0; i < B.Slots.Length; i++)
                if (B.Regs[i] != Register.None) S.Gpr[GprIndexOf(B.Regs[i])] = R.Next();
            for (int i = 0; i < B.Slots.Length; i++)
            {
                var s = B.Slots[i];
                if (B.Regs[i] != Register.None) SetReg(B.Regs[i], Val(R, s.Bits));
                else if (s.Kind == SlotKind.Imm) Imm[i] = ImmVal(R, s.Op);
            }
            PlaceMemory(eaLo, eaHi);
            int ms = Array.FindIndex(B.Slots, s => s.Kind == SlotKind.Rm);
            if (ms >= 0 && IsMem(ms)) SetMem(Ea, Val(R, Bits(ms)), Bits(ms));
            S.Rflags = RandomFlags(R);
        }

        void PlaceMemory(ulong eaLo, ulong eaHi)
        {
            ulong target = (ulong)R.Range((long)eaLo, (long)eaHi);
            if (R.Below(8) == 0)
            {
                // Straddle a 4 KiB page boundary: the operand's bytes come from two guest pages.
                ulong straddle = R.Pick([Layout.DataAddr + 0x1000, Layout.DataAddr + 0x2000, Layout.DataAddr + 0x3000]) - (ulong)R.Range(1, 8);
                if (straddle >= eaLo && straddle < eaHi) target = straddle;
            }
            switch (B.Mem)
            {
                case MemKind.BaseDisp:
                    Disp = R.Range(-128, 128);
                    S.Gpr[GprIndexOf(B.Base)] = target - (ulong)Disp;
                    Ea = target;
                    break;
                case MemKind.BaseIndex:
                {
                    Scale = R.Pick([1, 2, 4, 8]);
                    long index = R.Range(-0x40, 0x40);
                    Disp = R.Range(-0x1000, 0x1000);
                    S.Gpr[GprIndexOf(B.Index)] = (ulong)index;
                    S.Gpr[GprIndexOf(B.Base)] = target - (ulong)(index * Scale) - (ulong)Disp;
                    Ea = target;
                    break;
                }
                case MemKind.Rip: case MemKind.Moffs:
                    Ea = target;
                    break;
                case MemKind.Addr32:
                    // 0x67: only the low 32 bits of the base take part; the upper half is garbage.
                    Disp = R.Range(-128, 128);
                    S.Gpr[GprIndexOf(B.Base)] = (R.Next() << 32) | (uint)(target - (ulong)Disp);
                    Ea = target;
                    break;
                case MemKind.RspBase:
                    Disp = R.Range(0, 0x10) * 8 + R.Below(2) * 3;
                    Ea = Layout.StackTop + (ulong)Disp;
                    break;
                case MemKind.Lea64:
                    Scale = R.Pick([1, 2, 4, 8]);
                    Disp = R.Below(2) == 0 ? R.Range(-128, 128) : (int)R.Next();
                    S.Gpr[GprIndexOf(B.Base)] = Val(R, 64);
                    S.Gpr[GprIndexOf(B.Index)] = Val(R, 64);
                    break;
                case MemKind.Lea32:
                    Scale = R.Pick([1, 2, 4, 8]);
                    Disp = R.Below(2) == 0 ? R.Range(-128, 128) : (int)R.Next();
                    S.Gpr[GprIndexOf(B.Base)] = Val(R, 64);
                    S.Gpr[GprIndexOf(B.Index)] = Val(R, 64);
                    break;
                case MemKind.LeaRip:
                    Ea = (ulong)R.Range(0, 0x100000);
                    break;
            }
        }

        MemoryOperand MemOperand() => B.Mem switch
        {
            MemKind.BaseDisp => new MemoryOperand(B.Base, Register.None, 1, Disp, 1),
            MemKind.BaseIndex or MemKind.Lea64 => new MemoryOperand(B.Base, B.Index, Scale, Disp, 1),
            MemKind.Rip or MemKind.LeaRip => new MemoryOperand(RIP, Register.None, 1, (long)Ea, 8),
            MemKind.Addr32 => new MemoryOperand(Sized(B.Base, 32), Register.None, 1, Disp, 1),
            MemKind.Lea32 => new MemoryOperand(Sized(B.Base, 32), Sized(B.Index, 32), Scale, Disp, 1),
            MemKind.RspBase => new MemoryOperand(RSP, Register.None, 1, Disp, 1),
            MemKind.Moffs => new MemoryOperand(Register.None, Register.None, 1, (long)Ea, 8),
            _ => throw new InvalidOperationException(),
        };

        public byte[] Encode(ulong ip = Layout.CodeAddr)
        {
            var ops = new object[B.Slots.Length];
            for (int i = 0; i < ops.Length; i++)
            {
                var s = B.Slots[i];
                ops[i] = B.Regs[i] != Register.None ? B.Regs[i]
                    : s.Kind == SlotKind.Imm ? Imm[i]
                    : MemOperand();
            }
            var ins = Create(B.Code, ops);
            ins.HasLockPrefix = B.Lock;
            return EncodeAt(ins, ip);
        }
    }

    static Instruction Create(Code c, object[] ops) => ops switch
    {
        [] => Instruction.Create(c),
        [Register a] => Instruction.Create(c, a),
        [MemoryOperand a] => Instruction.Create(c, a),
        [long a] => Instruction.Create(c, (int)a),
        [Register a, Register b] => Instruction.Create(c, a, b),
        [Register a, MemoryOperand b] => Instruction.Create(c, a, b),
        [MemoryOperand a, Register b] => Instruction.Create(c, a, b),
        [Register a, long b] when c.ToOpCode().Op1Kind == OpCodeOperandKind.imm64 => Instruction.Create(c, a, b),
        [Register a, long b] => Instruction.Create(c, a, (int)b),
        [MemoryOperand a, long b] => Instruction.Create(c, a, (int)b),
        [Register a, Register b, long x] => Instruction.Create(c, a, b, (int)x),
        [Register a, MemoryOperand b, long x] => Instruction.Create(c, a, b, (int)x),
        [MemoryOperand a, Register b, long x] => Instruction.Create(c, a, b, (int)x),
        [Register a, Register b, Register x] => Instruction.Create(c, a, b, x),
        [MemoryOperand a, Register b, Register x] => Instruction.Create(c, a, b, x),
        _ => throw new NotSupportedException($"{c}: operand combination"),
    };

    sealed class ByteWriter : CodeWriter
    {
        public readonly List<byte> Bytes = [];
        public override void WriteByte(byte value) => Bytes.Add(value);
    }

    internal static byte[] EncodeAt(Instruction ins, ulong rip)
    {
        var w = new ByteWriter();
        Iced.Intel.Encoder.Create(64, w).Encode(ins, rip);
        return w.Bytes.ToArray();
    }

    internal static byte[] Assemble(Action<Assembler> build)
    {
        var a = new Assembler(64);
        build(a);
        var ms = new MemoryStream();
        a.Assemble(new StreamCodeWriter(ms), Layout.CodeAddr);
        return ms.ToArray();
    }

    // ------------------------------------------------------------------ code forms

    static bool IsShiftLike(Mnemonic m) => m is Mnemonic.Shl or Mnemonic.Shr or Mnemonic.Sar or Mnemonic.Rol or Mnemonic.Ror
        or Mnemonic.Rcl or Mnemonic.Rcr or Mnemonic.Shld or Mnemonic.Shrd;

    static Form MakeCodeForm(Binding b, bool pageCross)
    {
        var m = b.M;
        int countSlot = m is Mnemonic.Shld or Mnemonic.Shrd ? 2 : 1;
        bool shift = IsShiftLike(m);
        bool clCount = shift && b.Slots[countSlot].Kind == SlotKind.Fixed;
        bool paired = m is Mnemonic.Adc or Mnemonic.Sbb or Mnemonic.Rcl or Mnemonic.Rcr;
        bool conditional = GroupOf(m) is "setcc" or "cmovcc";
        int count = clCount ? 80 : shift ? 40 : conditional ? 32 : 24;
        if (m is Mnemonic.Div or Mnemonic.Idiv or Mnemonic.Mul or Mnemonic.Imul) count = 40;
        if (paired) count *= 2;
        bool btMemRegOffset = m is Mnemonic.Bt or Mnemonic.Bts or Mnemonic.Btr or Mnemonic.Btc
                              && b.Slots[1].Kind == SlotKind.Reg && b.Mem != MemKind.None;

        if (pageCross) count = Math.Min(count, 24);
        string id = pageCross ? "pagecross:" + b.Name : b.Name;
        return new Form
        {
            Id = id,
            Group = pageCross ? "pagecross" : GroupOf(m)!,
            Count = count,
            Paired = paired,
            Make = (rng, i) =>
            {
                int k = paired ? i >> 1 : i;
                var c = new Ctx(b, rng, i);
                if (btMemRegOffset) c.Fill(Layout.DataMid - 0x80, Layout.DataMid + 0x80);
                else c.Fill(Layout.DataAddr + 0x100, Layout.DataAddr + Layout.DataSize - 0x100);

                ulong countValue = 0;
                if (shift)
                {
                    ulong cnt = k < 66 && clCount ? (ulong)k
                        : rng.Below(4) == 0 ? rng.Next() & 0xFF
                        : (ulong)rng.Pick<int>([0, 1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65]);
                    var cs = b.Slots[countSlot];
                    if (cs.Kind == SlotKind.Fixed) c.SetReg(CL, cnt);
                    else if (cs.Op == OpCodeOperandKind.imm8) c.Imm[countSlot] = (long)cnt;
                    countValue = c.Get(countSlot);
                }
                Shape(c, rng, btMemRegOffset);
                if (paired) c.S.Rflags = (c.S.Rflags & ~FlagRules.CF) | (ulong)(i & 1);
                if (conditional) c.S.Rflags = ComboFlags(rng, i);

                var v = new Vector { Form = id, Code = c.Encode(), Input = c.S };
                if (pageCross)
                {
                    // Start 1 .. length-1 bytes before the page boundary at CodeAddr + 0x1000.
                    int onFirstPage = 1 + i % (v.Code.Length - 1);
                    v.CodeOffset = 0x1000 - onFirstPage;
                    v.Code = c.Encode(v.CodeStart);
                }
                int bits = b.Slots.Length > 0 ? b.Slots[0].Bits : 64;
                v.DefinedFlags = FlagRules.Defined(m, bits, countValue);
                ulong undefArg = m is Mnemonic.Bsf or Mnemonic.Bsr ? c.Get(1) : countValue;
                if (FlagRules.ResultUndefined(m, bits, undefArg))
                {
                    if (c.IsMem(0)) { v.UndefinedMemAddr = c.Ea; v.UndefinedMemLength = bits / 8; }
                    else v.UndefinedRegs |= (ushort)(1 << GprIndexOf(b.Regs[0]));
                }
                return v;
            },
        };
    }

    /// <summary>Mnemonic-specific operand shaping: edge relationships the random values rarely hit.</summary>
    static void Shape(Ctx c, Rng r, bool btMemRegOffset)
    {
        var b = c.B;
        var m = b.M;
        var slots = b.Slots;
        if (IsShiftLike(m)) return;
        switch (m)
        {
            case Mnemonic.Div: case Mnemonic.Idiv:
                MakeDivisible(c, r, m == Mnemonic.Idiv);
                return;
            case Mnemonic.Cmpxchg:
                if (r.Below(2) == 0) c.SetReg(Sized(RAX, slots[0].Bits), c.Get(0));
                return;
            case Mnemonic.Bsf: case Mnemonic.Bsr: case Mnemonic.Tzcnt: case Mnemonic.Lzcnt: case Mnemonic.Popcnt:
                switch (r.Below(8))
                {
                    case 0: c.Set(1, 0); break;
                    case 1: c.Set(1, 1UL << r.Below(slots[1].Bits)); break;
                    case 2: c.Set(1, Mask(slots[1].Bits)); break;
                }
                return;
            case Mnemonic.Bt: case Mnemonic.Bts: case Mnemonic.Btr: case Mnemonic.Btc:
                if (btMemRegOffset)
                {
                    // A register bit offset with a memory base addresses memory outside the operand:
                    // signed offset, EA + (offset SAR 3). Keep it within the data buffer (±0xF00 bytes).
                    int n = slots[1].Bits;
                    long off = n == 16 ? (short)r.Next()
                        : r.Below(3) == 0 ? r.Pick<long>([0, 1, n - 1, n, 2 * n - 1, -1, -n, -n - 1, 8 * 0x100, -8 * 0x100, 8 * 0xEFF, -8 * 0xF00])
                        : r.Range(-8 * 0xF00, 8 * 0xF00);
                    ulong upper = n == 64 ? 0 : r.Next() & ~Mask(n);
                    c.SetReg(b.Regs[1], ((ulong)off & Mask(n)) | upper);
                    c.S.Gpr[GprIndexOf(b.Regs[1])] = (c.S.Gpr[GprIndexOf(b.Regs[1])] & Mask(n)) | upper;
                }
                return;
        }
        // Binary operations: sometimes both operands equal (CMP/SUB -> ZF, XOR -> 0, ...).
        int vals = slots.Count(s => s.Kind is SlotKind.Rm or SlotKind.Reg or SlotKind.Fixed);
        if (vals >= 2 && slots.Length >= 2 && slots[1].Kind != SlotKind.Imm && slots[0].Bits == slots[1].Bits && r.Below(7) == 0)
            c.Set(1, c.Get(0));
    }

    /// <summary>DIV/IDIV operands whose quotient fits (no #DE): built from a quotient, divisor and remainder.</summary>
    static void MakeDivisible(Ctx c, Rng r, bool signed)
    {
        int n = c.Bits(0);
        BigInteger two = BigInteger.One << n;
        for (int attempt = 0; ; attempt++)
        {
            ulong dRaw = Val(r, n) & Mask(n);
            if (attempt > 50) dRaw = 3;
            if (dRaw == 0) continue;
            BigInteger d = signed ? Signed(dRaw, n) : dRaw;
            BigInteger q, rem;
            if (r.Below(2) == 0)
            {
                ulong qRaw = Val(r, n) & Mask(n);
                q = signed ? Signed(qRaw, n) : qRaw;
            }
            else q = r.Below(2) == 0 ? BigInteger.Zero : (signed ? Signed(r.Next() & Mask(n), n) : r.Next() & Mask(n));
            BigInteger absD = BigInteger.Abs(d);
            rem = r.Below(4) == 0 ? BigInteger.Zero : new BigInteger(r.Next()) % absD;
            if (r.Below(4) == 0) rem = absD - 1;
            BigInteger dividend = q * d;
            if (signed && rem != 0)
            {
                // The remainder takes the dividend's sign.
                bool negative = dividend.Sign < 0 || (dividend.IsZero && r.Below(2) == 0);
                dividend += negative ? -rem : rem;
            }
            else dividend += rem;
            // Check with truncating division exactly as the SDM does.
            if (signed)
            {
                if (dividend < -(two * two / 2) || dividend >= two * two / 2) continue;
                var qq = BigInteger.Divide(dividend, d);
                if (qq < -(two / 2) || qq >= two / 2) continue;
            }
            else
            {
                if (dividend.Sign < 0 || dividend >= two * two) continue;
                if (BigInteger.Divide(dividend, d) >= two) continue;
            }
            BigInteger u = dividend.Sign < 0 ? dividend + two * two : dividend;
            ulong lo = (ulong)(u % two), hi = (ulong)(u / two);
            c.Set(0, dRaw);
            if (n == 8) c.SetReg(AX, lo | (hi << 8));
            else { c.SetReg(Sized(RAX, n), lo); c.SetReg(Sized(RDX, n), hi); }
            if (c.IsMem(0) || c.B.Regs[0].GetFullRegister() is not (RAX or RDX)) return;
        }
    }

    static BigInteger Signed(ulong raw, int n) => (raw & (1UL << (n - 1))) != 0 ? (BigInteger)raw - (BigInteger.One << n) : raw;

    // ------------------------------------------------------------------ RSP as an operand

    static IEnumerable<Form> StackPointerForms()
    {
        // PUSH RSP pushes the old value; POP RSP loads RSP from the stack.
        yield return Simple("stack", "Push_r64:rsp", 4, (r, i) => Assemble(a => a.push(AssemblerRegisters.rsp)), s => { });
        yield return Simple("stack", "Push_rm64:rsp", 4, (r, i) => EncodeAt(Instruction.Create(Code.Push_rm64, RSP), Layout.CodeAddr), s => { });
        yield return Simple("stack", "Pop_r64:rsp", 4, (r, i) => Assemble(a => a.pop(AssemblerRegisters.rsp)), s =>
        {
            s.Poke(Layout.StackTop, BitConverter.GetBytes(Layout.StackTop + 0x40));
        });
    }

    static Form Simple(string group, string id, int count, Func<Rng, int, byte[]> code, Action<MachineState> setup, bool sequence = false) => new()
    {
        Id = id, Group = group, Count = count,
        Make = (r, i) =>
        {
            var s = MachineState.Initial();
            s.Rflags = RandomFlags(r);
            setup(s);
            return new Vector { Form = id, Code = code(r, i), Input = s, Sequence = sequence };
        },
    };

    // ------------------------------------------------------------------ Jcc

    static readonly Code[] Jcc8 =
    [
        Code.Jo_rel8_64, Code.Jno_rel8_64, Code.Jb_rel8_64, Code.Jae_rel8_64, Code.Je_rel8_64, Code.Jne_rel8_64, Code.Jbe_rel8_64, Code.Ja_rel8_64,
        Code.Js_rel8_64, Code.Jns_rel8_64, Code.Jp_rel8_64, Code.Jnp_rel8_64, Code.Jl_rel8_64, Code.Jge_rel8_64, Code.Jle_rel8_64, Code.Jg_rel8_64,
    ];
    static readonly Code[] Jcc32 =
    [
        Code.Jo_rel32_64, Code.Jno_rel32_64, Code.Jb_rel32_64, Code.Jae_rel32_64, Code.Je_rel32_64, Code.Jne_rel32_64, Code.Jbe_rel32_64, Code.Ja_rel32_64,
        Code.Js_rel32_64, Code.Jns_rel32_64, Code.Jp_rel32_64, Code.Jnp_rel32_64, Code.Jl_rel32_64, Code.Jge_rel32_64, Code.Jle_rel32_64, Code.Jg_rel32_64,
    ];

    /// <summary>
    /// <c>branch +N</c> over a marker <c>mov r11, 1</c>: taken leaves R11 = 0, not taken sets it, and both
    /// paths end at the same address, so the native run needs no RIP.
    /// </summary>
    static byte[] BranchOverMarker(Code branch)
    {
        var marker = EncodeAt(Instruction.Create(Code.Mov_r32_imm32, R11D, 1), 0);
        int len = EncodeAt(Instruction.CreateBranch(branch, Layout.CodeAddr), Layout.CodeAddr).Length;
        var jcc = EncodeAt(Instruction.CreateBranch(branch, Layout.CodeAddr + (ulong)len + (ulong)marker.Length), Layout.CodeAddr);
        return [.. jcc, .. marker];
    }

    static IEnumerable<Form> BranchForms()
    {
        foreach (var code in Jcc8.Concat(Jcc32))
        {
            var bytes = BranchOverMarker(code);
            string id = code + ":marker";
            yield return new Form
            {
                Id = id, Group = "branch", Count = 32,
                Make = (r, i) =>
                {
                    var s = MachineState.Initial();
                    s.Gpr[11] = 0;
                    s.Rflags = ComboFlags(r, i);
                    return new Vector { Form = id, Code = bytes, Input = s, Sequence = true };
                },
            };
        }
        foreach (var code in new[] { Code.Je_rel32_64, Code.Jl_rel32_64, Code.Jbe_rel8_64, Code.Loop_rel8_64_RCX })
        {
            var bytes = BranchOverMarker(code);
            string id = "pagecross:" + code + ":marker";
            yield return new Form
            {
                Id = id, Group = "pagecross", Count = 32,
                Make = (r, i) =>
                {
                    var s = MachineState.Initial();
                    s.Gpr[11] = 0;
                    s.Gpr[1] = (ulong)r.Below(3);
                    s.Rflags = ComboFlags(r, i);
                    // Straddle the page boundary anywhere in the branch or the marker after it.
                    int onFirstPage = 1 + i % (bytes.Length - 1);
                    return new Vector { Form = id, Code = bytes, Input = s, Sequence = true, CodeOffset = 0x1000 - onFirstPage };
                },
            };
        }
        // A backward conditional branch: L: inc rdx; cmp rdx, rbx; jb L
        yield return new Form
        {
            Id = "Jb_rel8_64:backward-loop", Group = "branch", Count = 24,
            Make = (r, i) =>
            {
                var code = Assemble(a =>
                {
                    var l = a.CreateLabel();
                    a.Label(ref l);
                    a.inc(AssemblerRegisters.rdx);
                    a.cmp(AssemblerRegisters.rdx, AssemblerRegisters.rbx);
                    a.jb(l);
                });
                var s = MachineState.Initial();
                s.Gpr[2] = (ulong)r.Range(-3, 20);
                s.Gpr[3] = (ulong)r.Range(0, 20);
                s.Rflags = RandomFlags(r);
                return new Vector { Form = "Jb_rel8_64:backward-loop", Code = code, Input = s, Sequence = true };
            },
        };
    }

    // ------------------------------------------------------------------ LOOP / JrCXZ

    static IEnumerable<Form> LoopForms()
    {
        Code[] codes =
        [
            Code.Loop_rel8_64_RCX, Code.Loop_rel8_64_ECX, Code.Loope_rel8_64_RCX, Code.Loope_rel8_64_ECX,
            Code.Loopne_rel8_64_RCX, Code.Loopne_rel8_64_ECX, Code.Jrcxz_rel8_64, Code.Jecxz_rel8_64,
        ];
        ulong[] counts = [0, 1, 2, 0x1_0000_0000, 0x1_0000_0001, 0xFFFF_FFFF, ulong.MaxValue, 0x8000_0000_0000_0000, 0x1_0000_0002];
        foreach (var code in codes)
        {
            var bytes = BranchOverMarker(code);
            string id = code + ":marker";
            yield return new Form
            {
                Id = id, Group = "branch", Count = 32,
                Make = (r, i) =>
                {
                    var s = MachineState.Initial();
                    s.Gpr[11] = 0;
                    s.Gpr[1] = i < counts.Length * 2 ? counts[i / 2] : r.Below(2) == 0 ? r.Next() : (ulong)r.Below(4) | (r.Next() << 32);
                    s.Rflags = (RandomFlags(r) & ~FlagRules.ZF) | (i % 2 == 0 ? 0 : FlagRules.ZF);
                    return new Vector { Form = id, Code = bytes, Input = s, Sequence = true };
                },
            };
        }
        // Real loops, backward: L: inc rdx; cmp rdx, rbx; loop/loope/loopne L
        foreach (var kind in new[] { "loop", "loope", "loopne" })
        {
            string id = $"{kind}:backward-loop";
            yield return new Form
            {
                Id = id, Group = "branch", Count = 24,
                Make = (r, i) =>
                {
                    var code = Assemble(a =>
                    {
                        var l = a.CreateLabel();
                        a.Label(ref l);
                        a.inc(AssemblerRegisters.rdx);
                        a.cmp(AssemblerRegisters.rdx, AssemblerRegisters.rbx);
                        if (kind == "loop") a.loop(l); else if (kind == "loope") a.loope(l); else a.loopne(l);
                    });
                    var s = MachineState.Initial();
                    s.Gpr[1] = (ulong)r.Range(1, 9);
                    s.Gpr[2] = (ulong)r.Range(0, 6);
                    s.Gpr[3] = (ulong)r.Range(0, 10);
                    s.Rflags = RandomFlags(r);
                    return new Vector { Form = id, Code = code, Input = s, Sequence = true };
                },
            };
        }
    }


    // ------------------------------------------------------------------ flag producer -> flag consumer

    sealed record Producer(string Text, Mnemonic M, int Bits, Action<Assembler> Emit);

    static readonly Lazy<Producer[]> Producers = new(() =>
    {
        var list = new List<Producer>();
        var r = AssemblerRegisters.eax;
        (AssemblerRegister8 a, AssemblerRegister8 b) r8 = (AssemblerRegisters.al, AssemblerRegisters.bl);
        (AssemblerRegister16 a, AssemblerRegister16 b) r16 = (AssemblerRegisters.ax, AssemblerRegisters.bx);
        (AssemblerRegister32 a, AssemblerRegister32 b) r32 = (AssemblerRegisters.eax, AssemblerRegisters.ebx);
        (AssemblerRegister64 a, AssemblerRegister64 b) r64 = (AssemblerRegisters.rax, AssemblerRegisters.rbx);
        void Bin(Mnemonic m, Action<Assembler, AssemblerRegister8, AssemblerRegister8> e8, Action<Assembler, AssemblerRegister16, AssemblerRegister16> e16,
                 Action<Assembler, AssemblerRegister32, AssemblerRegister32> e32, Action<Assembler, AssemblerRegister64, AssemblerRegister64> e64)
        {
            list.Add(new($"{m} al,bl", m, 8, a => e8(a, r8.a, r8.b)));
            list.Add(new($"{m} ax,bx", m, 16, a => e16(a, r16.a, r16.b)));
            list.Add(new($"{m} eax,ebx", m, 32, a => e32(a, r32.a, r32.b)));
            list.Add(new($"{m} rax,rbx", m, 64, a => e64(a, r64.a, r64.b)));
        }
        Bin(Mnemonic.Add, (a, x, y) => a.add(x, y), (a, x, y) => a.add(x, y), (a, x, y) => a.add(x, y), (a, x, y) => a.add(x, y));
        Bin(Mnemonic.Sub, (a, x, y) => a.sub(x, y), (a, x, y) => a.sub(x, y), (a, x, y) => a.sub(x, y), (a, x, y) => a.sub(x, y));
        Bin(Mnemonic.Adc, (a, x, y) => a.adc(x, y), (a, x, y) => a.adc(x, y), (a, x, y) => a.adc(x, y), (a, x, y) => a.adc(x, y));
        Bin(Mnemonic.Sbb, (a, x, y) => a.sbb(x, y), (a, x, y) => a.sbb(x, y), (a, x, y) => a.sbb(x, y), (a, x, y) => a.sbb(x, y));
        Bin(Mnemonic.Cmp, (a, x, y) => a.cmp(x, y), (a, x, y) => a.cmp(x, y), (a, x, y) => a.cmp(x, y), (a, x, y) => a.cmp(x, y));
        Bin(Mnemonic.And, (a, x, y) => a.and(x, y), (a, x, y) => a.and(x, y), (a, x, y) => a.and(x, y), (a, x, y) => a.and(x, y));
        Bin(Mnemonic.Or, (a, x, y) => a.or(x, y), (a, x, y) => a.or(x, y), (a, x, y) => a.or(x, y), (a, x, y) => a.or(x, y));
        Bin(Mnemonic.Xor, (a, x, y) => a.xor(x, y), (a, x, y) => a.xor(x, y), (a, x, y) => a.xor(x, y), (a, x, y) => a.xor(x, y));
        Bin(Mnemonic.Test, (a, x, y) => a.test(x, y), (a, x, y) => a.test(x, y), (a, x, y) => a.test(x, y), (a, x, y) => a.test(x, y));
        list.Add(new("inc al", Mnemonic.Inc, 8, a => a.inc(AssemblerRegisters.al)));
        list.Add(new("inc eax", Mnemonic.Inc, 32, a => a.inc(AssemblerRegisters.eax)));
        list.Add(new("dec rax", Mnemonic.Dec, 64, a => a.dec(AssemblerRegisters.rax)));
        list.Add(new("dec ax", Mnemonic.Dec, 16, a => a.dec(AssemblerRegisters.ax)));
        list.Add(new("neg eax", Mnemonic.Neg, 32, a => a.neg(AssemblerRegisters.eax)));
        list.Add(new("neg al", Mnemonic.Neg, 8, a => a.neg(AssemblerRegisters.al)));
        // Shifts by CL with CL = 0 or 1 only (0 leaves every flag as it was: a classic lazy-flags trap).
        list.Add(new("shl eax,cl", Mnemonic.Shl, 32, a => a.shl(AssemblerRegisters.eax, AssemblerRegisters.cl)));
        list.Add(new("shr rax,cl", Mnemonic.Shr, 64, a => a.shr(AssemblerRegisters.rax, AssemblerRegisters.cl)));
        list.Add(new("sar al,cl", Mnemonic.Sar, 8, a => a.sar(AssemblerRegisters.al, AssemblerRegisters.cl)));
        list.Add(new("rol eax,cl", Mnemonic.Rol, 32, a => a.rol(AssemblerRegisters.eax, AssemblerRegisters.cl)));
        list.Add(new("popcnt eax,ebx", Mnemonic.Popcnt, 32, a => a.popcnt(AssemblerRegisters.eax, AssemblerRegisters.ebx)));
        list.Add(new("clc", Mnemonic.Clc, 64, a => a.clc()));
        list.Add(new("stc", Mnemonic.Stc, 64, a => a.stc()));
        return list.ToArray();
    });

    /// <summary>
    /// Two instructions: a flag producer (random ALU operation on rax/rbx) then a flag consumer. Catches
    /// lazily computed flags that go wrong only when one instruction's flags feed the next.
    /// Producers are restricted to ones whose flags the consumers read are all defined.
    /// </summary>
    static IEnumerable<Form> FlagPairForms()
    {
        string[] cc = ["o", "no", "b", "ae", "e", "ne", "be", "a", "s", "ns", "p", "np", "l", "ge", "le", "g"];
        var consumers = new List<(string Name, Mnemonic M, Func<byte[]> Bytes)>();
        for (int k = 0; k < 16; k++)
        {
            int kk = k;
            consumers.Add(($"set{cc[k]}", Mnemonic.Sete, () => Assemble(a => SetCc(a, kk))));
            consumers.Add(($"cmov{cc[k]}", Mnemonic.Cmove, () => Assemble(a => CmovCc(a, kk))));
            consumers.Add(($"j{cc[k]}", Mnemonic.Je, () => BranchOverMarker(Jcc8[kk])));
        }
        consumers.Add(("adc", Mnemonic.Adc, () => Assemble(a => a.adc(AssemblerRegisters.rsi, AssemblerRegisters.rdi))));
        consumers.Add(("sbb", Mnemonic.Sbb, () => Assemble(a => a.sbb(AssemblerRegisters.esi, AssemblerRegisters.edi))));
        consumers.Add(("rcl", Mnemonic.Rcl, () => Assemble(a => a.rcl(AssemblerRegisters.rsi, 1))));
        consumers.Add(("rcr", Mnemonic.Rcr, () => Assemble(a => a.rcr(AssemblerRegisters.si, 1))));
        consumers.Add(("inc", Mnemonic.Inc, () => Assemble(a => a.inc(AssemblerRegisters.rsi))));
        consumers.Add(("dec", Mnemonic.Dec, () => Assemble(a => a.dec(AssemblerRegisters.esi))));
        consumers.Add(("cmc", Mnemonic.Cmc, () => Assemble(a => a.cmc())));
        consumers.Add(("not", Mnemonic.Not, () => Assemble(a => a.not(AssemblerRegisters.rsi))));
        consumers.Add(("shl0", Mnemonic.Shl, () => Assemble(a => a.shl(AssemblerRegisters.esi, AssemblerRegisters.cl))));
        foreach (var (name, cm, bytes) in consumers)
        {
            byte[] consumer = bytes();
            string id = $"pair:*->{name}";
            yield return new Form
            {
                Id = id, Group = "flagpairs", Count = 40,
                Make = (r, i) =>
                {
                    var p = r.Pick(Producers.Value);
                    byte[] producer = Assemble(p.Emit);
                    var s = MachineState.Initial();
                    s.Gpr[0] = Val(r, 64);
                    s.Gpr[3] = r.Below(5) == 0 ? s.Gpr[0] : Val(r, 64);
                    s.Gpr[1] = (r.Next() & ~0xFFUL) | (ulong)r.Below(2);     // CL = 0 or 1
                    s.Gpr[6] = Val(r, 64); s.Gpr[7] = Val(r, 64);
                    s.Gpr[8] = Val(r, 64); s.Gpr[9] = Val(r, 64);
                    s.Gpr[2] = r.Next(); s.Gpr[11] = 0;
                    s.Rflags = RandomFlags(r);
                    ulong count = s.Gpr[1] & 0xFF;
                    var v = new Vector { Form = id, Code = [.. producer, .. consumer], Input = s, Sequence = true };
                    v.DefinedFlags = FlagRules.Defined(p.M, p.Bits, count) & FlagRules.Defined(cm, 32, name == "shl0" ? count : 1);
                    return v;
                },
            };
        }
    }

    static void SetCc(Assembler a, int k)
    {
        var d = AssemblerRegisters.dl;
        switch (k)
        {
            case 0: a.seto(d); break; case 1: a.setno(d); break; case 2: a.setb(d); break; case 3: a.setae(d); break;
            case 4: a.sete(d); break; case 5: a.setne(d); break; case 6: a.setbe(d); break; case 7: a.seta(d); break;
            case 8: a.sets(d); break; case 9: a.setns(d); break; case 10: a.setp(d); break; case 11: a.setnp(d); break;
            case 12: a.setl(d); break; case 13: a.setge(d); break; case 14: a.setle(d); break; default: a.setg(d); break;
        }
    }

    static void CmovCc(Assembler a, int k)
    {
        var d = AssemblerRegisters.r8d; var s = AssemblerRegisters.r9d;
        switch (k)
        {
            case 0: a.cmovo(d, s); break; case 1: a.cmovno(d, s); break; case 2: a.cmovb(d, s); break; case 3: a.cmovae(d, s); break;
            case 4: a.cmove(d, s); break; case 5: a.cmovne(d, s); break; case 6: a.cmovbe(d, s); break; case 7: a.cmova(d, s); break;
            case 8: a.cmovs(d, s); break; case 9: a.cmovns(d, s); break; case 10: a.cmovp(d, s); break; case 11: a.cmovnp(d, s); break;
            case 12: a.cmovl(d, s); break; case 13: a.cmovge(d, s); break; case 14: a.cmovle(d, s); break; default: a.cmovg(d, s); break;
        }
    }

    // ------------------------------------------------------------------ string instructions

    static IEnumerable<Form> StringForms()
    {
        string[] ops = ["movs", "stos", "lods", "cmps", "scas"];
        foreach (var op in ops)
        foreach (int size in new[] { 1, 2, 4, 8 })
        {
            var prefixes = op is "cmps" or "scas"
                ? new[] { RepPrefixKind.None, RepPrefixKind.Repe, RepPrefixKind.Repne }
                : new[] { RepPrefixKind.None, RepPrefixKind.Repe };
            foreach (var rep in prefixes)
            foreach (int asz in rep == RepPrefixKind.None ? new[] { 64 } : new[] { 64, 32 })
            {
                var ins = StringInstruction(op, size, rep, asz);
                var bytes = EncodeAt(ins, Layout.CodeAddr);
                string prefix = rep switch { RepPrefixKind.Repe => op is "cmps" or "scas" ? "repe " : "rep ", RepPrefixKind.Repne => "repne ", _ => "" };
                string id = $"{prefix}{ins.Code}:a{asz}";
                bool isRep = rep != RepPrefixKind.None;
                yield return new Form
                {
                    Id = id, Group = "string", Count = isRep ? 40 : 16,
                    Make = (r, i) => StringVector(id, bytes, op, size, rep, asz, r, i),
                };
            }
        }
    }

    static Instruction StringInstruction(string op, int size, RepPrefixKind rep, int asz) => (op, size) switch
    {
        ("movs", 1) => Instruction.CreateMovsb(asz, Register.None, rep),
        ("movs", 2) => Instruction.CreateMovsw(asz, Register.None, rep),
        ("movs", 4) => Instruction.CreateMovsd(asz, Register.None, rep),
        ("movs", 8) => Instruction.CreateMovsq(asz, Register.None, rep),
        ("stos", 1) => Instruction.CreateStosb(asz, rep),
        ("stos", 2) => Instruction.CreateStosw(asz, rep),
        ("stos", 4) => Instruction.CreateStosd(asz, rep),
        ("stos", 8) => Instruction.CreateStosq(asz, rep),
        ("lods", 1) => Instruction.CreateLodsb(asz, Register.None, rep),
        ("lods", 2) => Instruction.CreateLodsw(asz, Register.None, rep),
        ("lods", 4) => Instruction.CreateLodsd(asz, Register.None, rep),
        ("lods", 8) => Instruction.CreateLodsq(asz, Register.None, rep),
        ("cmps", 1) => Instruction.CreateCmpsb(asz, Register.None, rep),
        ("cmps", 2) => Instruction.CreateCmpsw(asz, Register.None, rep),
        ("cmps", 4) => Instruction.CreateCmpsd(asz, Register.None, rep),
        ("cmps", 8) => Instruction.CreateCmpsq(asz, Register.None, rep),
        ("scas", 1) => Instruction.CreateScasb(asz, rep),
        ("scas", 2) => Instruction.CreateScasw(asz, rep),
        ("scas", 4) => Instruction.CreateScasd(asz, rep),
        ("scas", 8) => Instruction.CreateScasq(asz, rep),
        _ => throw new ArgumentException(op),
    };

    static Vector StringVector(string id, byte[] bytes, string op, int size, RepPrefixKind rep, int asz, Rng r, int i)
    {
        var s = MachineState.Initial();
        bool down = i % 2 == 1;
        s.Rflags = (RandomFlags(r) & ~DF) | (down ? DF : 0);
        int count = rep == RepPrefixKind.None ? 1 : (i / 2) < 10 ? i / 2 : r.Below(12);
        ulong src = r.Below(4) == 0
            ? Layout.DataAddr + 0x1000 - (ulong)r.Below(40)          // elements straddle the page boundary
            : Layout.DataAddr + 0x1000 + (ulong)r.Below(0x400);
        ulong dst = op == "movs" && r.Below(4) == 0
            ? src + (ulong)r.Range(-16, 17)                 // overlapping copy
            : Layout.DataAddr + 0x2400 + (ulong)r.Below(0x400);
        ulong upperGarbage = asz == 32 ? r.Next() << 32 : 0;
        s.Gpr[6] = src | upperGarbage;           // rsi
        s.Gpr[7] = dst | upperGarbage;           // rdi
        s.Gpr[1] = rep == RepPrefixKind.None ? r.Next() : (ulong)count | (asz == 32 ? r.Next() << 32 : 0);
        s.Gpr[0] = Val(r, 64);                   // rax
        ulong mask = Mask(size * 8);
        ulong Elem(ulong baseAddr, int j) => down ? baseAddr - (ulong)(j * size) : baseAddr + (ulong)(j * size);
        void Write(ulong a, ulong v) { var b = BitConverter.GetBytes(v); s.Poke(a, b.AsSpan(0, size)); }
        ulong ReadElem(ulong a) { Span<byte> b = stackalloc byte[8]; s.Peek(a, size).CopyTo(b); return BitConverter.ToUInt64(b) & mask; }
        if (op is "cmps" or "scas")
        {
            // The first k elements compare equal (REPE keeps going), or for REPNE the k-th is the first equal.
            int n = Math.Max(count, 1);
            int k = r.Below(n + 1);
            for (int j = 0; j < n; j++)
            {
                ulong other = op == "cmps" ? ReadElem(Elem(src, j)) : s.Gpr[0] & mask;
                bool equal = rep == RepPrefixKind.Repne ? j == k : j < k;
                if (equal) Write(Elem(dst, j), other);
                else if (ReadElem(Elem(dst, j)) == other) Write(Elem(dst, j), other ^ 1);
            }
        }
        return new Vector { Form = id, Code = bytes, Input = s, Sequence = rep != RepPrefixKind.None };
    }
}
