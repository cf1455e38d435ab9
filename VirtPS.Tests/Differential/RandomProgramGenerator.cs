using System.Collections.Concurrent;
using Iced.Intel;
using static Iced.Intel.Register;

namespace VirtPS.Tests.Differential;

/// <summary>
/// Generates seeded straight-line <see cref="RandomProgram"/>s over the forms the engine implements: ALU ops
/// at every width with register, immediate and memory (R14-based, indexed, RIP-relative) operands; shifts and
/// rotates with counts 0, 1, width-1, width and above (immediate, 1 and CL); SHLD/SHRD; BT*; MUL/IMUL (1-, 2-,
/// 3-operand)/DIV/IDIV with divisors that cannot fault; CMPXCHG/XADD; SETcc/CMOVcc; INC/DEC/NEG/NOT;
/// MOVZX/MOVSX/MOVSXD; partial-register MOVs (AL, AH, AX, EAX); LEA with every addressing form; REP string
/// instructions with small counts (DF stays 0); now and then an ADC/SBB chain of several steps. R13 (fold scratch), R14 (data base), R15 (flag accumulator)
/// and RSP are never written by the generated instructions.
/// </summary>
internal static class RandomProgramGenerator
{
    static readonly Register[] R64 = [RAX, RCX, RDX, RBX, RBP, RSI, RDI, R8, R9, R10, R11, R12];
    static readonly Register[] R32 = [EAX, ECX, EDX, EBX, EBP, ESI, EDI, R8D, R9D, R10D, R11D, R12D];
    static readonly Register[] R16 = [AX, CX, DX, BX, BP, SI, DI, R8W, R9W, R10W, R11W, R12W];
    static readonly Register[] R8Low = [AL, CL, DL, BL, BPL, SIL, DIL, R8L, R9L, R10L, R11L, R12L];
    static readonly Register[] R8Legacy = [AL, CL, DL, BL, AH, CH, DH, BH];
    static readonly int[] Widths = [8, 16, 32, 64];
    static readonly string[] Alu = ["Add", "Adc", "Sub", "Sbb", "And", "Or", "Xor", "Cmp", "Test"];
    static readonly string[] Shifts = ["Shl", "Shr", "Sar", "Rol", "Ror", "Rcl", "Rcr"];
    static readonly string[] Conds = ["o", "no", "b", "ae", "e", "ne", "be", "a", "s", "ns", "p", "np", "l", "ge", "le", "g"];

    static readonly ConcurrentDictionary<string, Code> Codes = new();
    static Code C(string name) => Codes.GetOrAdd(name, n => Enum.Parse<Code>(n));

    /// <summary>A program of <paramref name="minSteps"/>..<paramref name="maxSteps"/> steps from <paramref name="seed"/>.</summary>
    public static RandomProgram Generate(ulong seed, int minSteps = 20, int maxSteps = 40)
    {
        var r = new Rng(seed);
        var input = MachineState.Initial();
        for (int i = 0; i < 16; i++) input.Gpr[i] = Value(r, 64);
        input.Gpr[(int)Iced.Intel.Register.RSP - (int)RAX] = Layout.StackTop;
        input.Gpr[14] = RandomProgram.AreaMid;
        input.Gpr[15] = 0;
        input.Rflags = 0x202 | (r.Chance(0.5) ? FlagRules.CF : 0);
        for (int i = 0; i < (int)RandomProgram.AreaSize; i++) input.Data[i] = (byte)r.Next();
        int n = (int)r.Range(minSteps, maxSteps + 1);
        var steps = new List<RandomProgramStep>(n);
        while (steps.Count < n)
        {
            if (r.Chance(0.05)) steps.AddRange(Chain(r));
            else steps.Add(Step(r));
        }
        return new RandomProgram { Seed = seed, Input = input, Steps = steps };
    }

    /// <summary>An interesting value of <paramref name="bits"/> bits: edges, small, sign boundaries or random.</summary>
    static ulong Value(Rng r, int bits)
    {
        ulong mask = bits == 64 ? ulong.MaxValue : (1UL << bits) - 1;
        ulong v = r.Below(8) switch
        {
            0 => 0,
            1 => mask,
            2 => 1UL << (bits - 1),
            3 => (1UL << (bits - 1)) - 1,
            4 => (ulong)r.Below(16),
            5 => (ulong)-(long)r.Below(16),
            _ => r.Next(),
        };
        return v & mask;
    }

    static int Imm(Rng r, int bits) => bits switch
    {
        8 => (sbyte)Value(r, 8),
        16 => (short)Value(r, 16),
        _ => (int)Value(r, 32),
    };

    static Register Reg(Rng r, int w, bool allowHigh = false) => w switch
    {
        8 => allowHigh && r.Chance(0.3) ? r.Pick(R8Legacy) : r.Pick(R8Low),
        16 => r.Pick(R16),
        32 => r.Pick(R32),
        _ => r.Pick(R64),
    };

    /// <summary>Two 8-bit registers that can share one instruction (AH..BH only with legacy registers).</summary>
    static (Register, Register) Pair(Rng r, int w)
    {
        if (w != 8 || !r.Chance(0.3)) return (Reg(r, w), Reg(r, w));
        return (r.Pick(R8Legacy), r.Pick(R8Legacy));
    }

    /// <summary>A memory operand inside the data area; may add an index-register setup.</summary>
    static MemoryOperand Mem(Rng r, List<Instruction> setup, bool allowIndex = true)
    {
        switch (r.Below(allowIndex ? 4 : 3))
        {
            case 0: return new MemoryOperand(RIP, Register.None, 1, (long)(RandomProgram.AreaAddr + (ulong)r.Range(0, 0xFF0)), 8);
            case 1: return new MemoryOperand(R14, r.Range(-128, 120), 1);
            case 2: return new MemoryOperand(R14, r.Range(-0x700, 0x6F0), 8);
            default:
                setup.Add(Instruction.Create(Code.Mov_r32_imm32, R12D, r.Below(64)));
                int scale = 1 << r.Below(4);
                return new MemoryOperand(R14, R12, scale, r.Range(-0x700, 0x500), 8);
        }
    }

    static int ShiftCount(Rng r, int w) => r.Below(6) switch
    {
        0 => 0, 1 => 1, 2 => w - 1, 3 => w, 4 => w + 1,
        _ => r.Chance(0.5) ? r.Below(w) : r.Below(256),
    };

    /// <summary>An ADC/SBB chain: a multi-word add or subtract of 2..4 words of one width (registers and memory), the
    /// carry passed from step to step (each fold keeps CF, which ADD, ADC, SUB and SBB define).</summary>
    static IEnumerable<RandomProgramStep> Chain(Rng r)
    {
        int w = r.Pick(Widths), n = 2 + r.Below(3);
        bool sub = r.Chance(0.5);
        for (int k = 0; k < n; k++)
        {
            // The lowest word usually starts the chain with ADD/SUB; sometimes it takes the incoming CF as well.
            string op = k == 0 && r.Chance(0.7) ? (sub ? "Sub" : "Add") : (sub ? "Sbb" : "Adc");
            var ins = new List<Instruction>();
            Instruction main = r.Below(3) switch
            {
                0 => Instruction.Create(C($"{op}_rm{w}_r{w}"), Reg(r, w), Reg(r, w)),
                1 => Instruction.Create(C($"{op}_rm{w}_r{w}"), Mem(r, ins), Reg(r, w)),
                _ => Instruction.Create(C($"{op}_r{w}_rm{w}"), Reg(r, w), Mem(r, ins)),
            };
            ins.Add(main);
            yield return new RandomProgramStep(ins, FlagRules.Defined(main.Mnemonic, w));
        }
    }

    static RandomProgramStep Step(Rng r)
    {
        var ins = new List<Instruction>();
        int w = r.Pick(Widths);
        ulong count = 0;
        Instruction main;
        switch (r.Below(17))
        {
            case 0: case 1: case 2:   // ALU
            {
                string op = r.Pick(Alu);
                string rm = $"{op}_rm{w}", imm = w == 64 ? "imm32" : $"imm{w}";
                switch (r.Below(op == "Test" ? 4 : 5))
                {
                    case 0: { var (a, b) = Pair(r, w); main = Instruction.Create(C($"{rm}_r{w}"), a, b); break; }
                    case 1: main = r.Chance(0.3) && w > 8 && op != "Test"
                        ? Instruction.Create(C($"{rm}_imm8"), Reg(r, w, true), Imm(r, 8))
                        : Instruction.Create(C($"{rm}_{imm}"), Reg(r, w, true), Imm(r, Math.Min(w, 32))); break;
                    case 2: main = Instruction.Create(C($"{rm}_r{w}"), Mem(r, ins), Reg(r, w)); break;
                    case 3: main = Instruction.Create(C($"{rm}_{imm}"), Mem(r, ins), Imm(r, Math.Min(w, 32))); break;
                    default: main = Instruction.Create(C($"{op}_r{w}_rm{w}"), Reg(r, w), Mem(r, ins)); break;
                }
                break;
            }
            case 3: case 4:   // shifts and rotates
            {
                string op = r.Pick(Shifts);
                int form = r.Below(3);
                count = form == 0 ? 1UL : (ulong)ShiftCount(r, w);
                if (form == 2) ins.Add(Instruction.Create(Code.Mov_r8_imm8, CL, (int)count));
                bool mem = r.Chance(0.3);
                var dst = mem ? null : (Register?)Reg(r, w, true);
                var m = mem ? Mem(r, ins) : default;
                string code = $"{op}_rm{w}_" + (form == 0 ? "1" : form == 1 ? "imm8" : "CL");
                main = form switch
                {
                    0 => mem ? Instruction.Create(C(code), m, 1) : Instruction.Create(C(code), dst!.Value, 1),
                    1 => mem ? Instruction.Create(C(code), m, (int)count) : Instruction.Create(C(code), dst!.Value, (int)count),
                    _ => mem ? Instruction.Create(C(code), m, CL) : Instruction.Create(C(code), dst!.Value, CL),
                };
                break;
            }
            case 5:   // SHLD/SHRD (count never above the width: the result would be undefined)
            {
                if (w == 8) w = 32;
                string op = r.Chance(0.5) ? "Shld" : "Shrd";
                count = (ulong)(r.Below(5) switch { 0 => 0, 1 => 1, 2 => w - 1, 3 => w == 16 ? 16 : w == 32 ? 32 + r.Below(32) : 64 + r.Below(64), _ => r.Below(w) });
                bool cl = r.Chance(0.5);
                if (cl) ins.Add(Instruction.Create(Code.Mov_r8_imm8, CL, (int)count));
                var src = Reg(r, w);
                string code = $"{op}_rm{w}_r{w}_" + (cl ? "CL" : "imm8");
                if (r.Chance(0.3))
                {
                    var m = Mem(r, ins);
                    main = cl ? Instruction.Create(C(code), m, src, CL) : Instruction.Create(C(code), m, src, (int)count);
                }
                else main = cl ? Instruction.Create(C(code), Reg(r, w), src, CL) : Instruction.Create(C(code), Reg(r, w), src, (int)count);
                break;
            }
            case 6:   // BT/BTS/BTR/BTC
            {
                if (w == 8) w = 32;
                string op = r.Pick(new[] { "Bt", "Bts", "Btr", "Btc" });
                bool mem = r.Chance(0.5), regOffset = r.Chance(0.5);
                if (regOffset)
                {
                    var bitReg = Reg(r, w);
                    int offset = mem ? (int)r.Range(-1500, 1500) : (int)r.Next();
                    ins.Add(w == 16 ? Instruction.Create(Code.Mov_r16_imm16, bitReg, (short)offset)
                          : w == 32 ? Instruction.Create(Code.Mov_r32_imm32, bitReg, offset)
                          : Instruction.Create(Code.Mov_rm64_imm32, bitReg, offset));
                    main = mem ? Instruction.Create(C($"{op}_rm{w}_r{w}"), new MemoryOperand(R14, r.Range(-0x500, 0x500), 8), bitReg)
                               : Instruction.Create(C($"{op}_rm{w}_r{w}"), Reg(r, w), bitReg);
                }
                else main = mem ? Instruction.Create(C($"{op}_rm{w}_imm8"), Mem(r, ins), r.Below(256))
                                : Instruction.Create(C($"{op}_rm{w}_imm8"), Reg(r, w), r.Below(256));
                break;
            }
            case 7:   // MUL/IMUL one operand
            {
                string op = r.Chance(0.5) ? "Mul" : "Imul";
                main = r.Chance(0.3) ? Instruction.Create(C($"{op}_rm{w}"), Mem(r, ins)) : Instruction.Create(C($"{op}_rm{w}"), Reg(r, w, true));
                break;
            }
            case 8:   // IMUL two and three operands
            {
                if (w == 8) w = 64;
                int kind = r.Below(3);
                var dst = Reg(r, w);
                bool mem = r.Chance(0.3);
                var m = mem ? Mem(r, ins) : default;
                var src = Reg(r, w);
                if (kind == 0) main = mem ? Instruction.Create(C($"Imul_r{w}_rm{w}"), dst, m) : Instruction.Create(C($"Imul_r{w}_rm{w}"), dst, src);
                else
                {
                    string code = kind == 1 ? $"Imul_r{w}_rm{w}_imm8" : $"Imul_r{w}_rm{w}_imm{(w == 16 ? 16 : 32)}";
                    int imm = kind == 1 ? Imm(r, 8) : Imm(r, Math.Min(w, 32));
                    main = mem ? Instruction.Create(C(code), dst, m, imm) : Instruction.Create(C(code), dst, src, imm);
                }
                break;
            }
            case 9:   // DIV/IDIV with a dividend and divisor that cannot fault
            {
                bool signed = r.Chance(0.5);
                string op = signed ? "Idiv" : "Div";
                if (signed)
                    ins.Add(Instruction.Create(w switch { 8 => Code.Cbw, 16 => Code.Cwd, 32 => Code.Cdq, _ => Code.Cqo }));
                else
                    ins.Add(w == 8 ? Instruction.Create(Code.Movzx_r32_rm8, EAX, AL) : Instruction.Create(Code.Mov_r32_imm32, EDX, 0));
                ulong mask = w == 64 ? ulong.MaxValue : (1UL << w) - 1;
                ulong d = Value(r, w);
                if (d == 0) d = 3;
                if (d == mask) d = 5;
                int dImm = (int)(long)(w == 64 ? (ulong)(long)(int)d : d);   // 64-bit memory divisors: imm32 sign-extended
                if (w == 64 && (dImm == 0 || dImm == -1)) dImm = 7;
                if (r.Chance(0.3))
                {
                    var m = Mem(r, ins);
                    ins.Add(Instruction.Create(w switch { 8 => Code.Mov_rm8_imm8, 16 => Code.Mov_rm16_imm16, 32 => Code.Mov_rm32_imm32, _ => Code.Mov_rm64_imm32 }, m,
                        w == 64 ? dImm : w == 8 ? (sbyte)d : w == 16 ? (short)d : (int)d));
                    main = Instruction.Create(C($"{op}_rm{w}"), m);
                }
                else
                {
                    Register dr;
                    do dr = Reg(r, w); while (dr is AL or AX or EAX or RAX or DL or DX or EDX or RDX);
                    ins.Add(w switch
                    {
                        8 => Instruction.Create(Code.Mov_r8_imm8, dr, (int)d),
                        16 => Instruction.Create(Code.Mov_r16_imm16, dr, (int)d),
                        32 => Instruction.Create(Code.Mov_r32_imm32, dr, (uint)d),
                        _ => Instruction.Create(Code.Mov_r64_imm64, dr, d),
                    });
                    main = Instruction.Create(C($"{op}_rm{w}"), dr);
                }
                break;
            }
            case 10:   // CMPXCHG / XADD
            {
                string op = r.Chance(0.5) ? "Cmpxchg" : "Xadd";
                if (r.Chance(0.4)) main = Instruction.Create(C($"{op}_rm{w}_r{w}"), Mem(r, ins), Reg(r, w));
                else { var (a, b) = Pair(r, w); main = Instruction.Create(C($"{op}_rm{w}_r{w}"), a, b); }
                break;
            }
            case 11:   // SETcc / CMOVcc
            {
                string cc = r.Pick(Conds);
                if (r.Chance(0.5))
                    main = r.Chance(0.3) ? Instruction.Create(C($"Set{cc}_rm8"), Mem(r, ins)) : Instruction.Create(C($"Set{cc}_rm8"), Reg(r, 8, true));
                else
                {
                    if (w == 8) w = 32;
                    main = r.Chance(0.3) ? Instruction.Create(C($"Cmov{cc}_r{w}_rm{w}"), Reg(r, w), Mem(r, ins))
                                         : Instruction.Create(C($"Cmov{cc}_r{w}_rm{w}"), Reg(r, w), Reg(r, w));
                }
                break;
            }
            case 12:   // INC/DEC/NEG/NOT
            {
                string op = r.Pick(new[] { "Inc", "Dec", "Neg", "Not" });
                main = r.Chance(0.3) ? Instruction.Create(C($"{op}_rm{w}"), Mem(r, ins)) : Instruction.Create(C($"{op}_rm{w}"), Reg(r, w, true));
                break;
            }
            case 13:   // MOVZX/MOVSX/MOVSXD
            {
                string op = r.Chance(0.5) ? "Movzx" : "Movsx";
                int dw = r.Pick(new[] { 16, 32, 64 });
                int sw = dw == 16 ? 8 : r.Pick(new[] { 8, 16 });
                string code = $"{op}_r{dw}_rm{sw}";
                if (dw == 64 && r.Chance(0.2)) { code = "Movsxd_r64_rm32"; sw = 32; }
                if (r.Chance(0.3)) main = Instruction.Create(C(code), Reg(r, dw), Mem(r, ins));
                else if (sw == 8 && dw != 64 && r.Chance(0.3))   // AH..BH as the source: a destination without REX
                    main = Instruction.Create(C(code), (dw == 16 ? AX : EAX) + r.Below(4), r.Pick(R8Legacy));
                else main = Instruction.Create(C(code), Reg(r, dw), Reg(r, sw));
                break;
            }
            case 14:   // MOV, partial registers (AL, AH, AX, EAX and their kin) and memory
            {
                switch (r.Below(4))
                {
                    case 0:
                    {
                        var d = Reg(r, w, true);
                        main = w switch
                        {
                            8 => Instruction.Create(Code.Mov_r8_imm8, d, (int)Value(r, 8)),
                            16 => Instruction.Create(Code.Mov_r16_imm16, d, (int)Value(r, 16)),
                            32 => Instruction.Create(Code.Mov_r32_imm32, d, (uint)Value(r, 32)),
                            _ => Instruction.Create(Code.Mov_r64_imm64, d, Value(r, 64)),
                        };
                        break;
                    }
                    case 1: { var (a, b) = Pair(r, w); main = Instruction.Create(C($"Mov_rm{w}_r{w}"), a, b); break; }
                    case 2: main = Instruction.Create(C($"Mov_rm{w}_r{w}"), Mem(r, ins), Reg(r, w)); break;
                    default: main = Instruction.Create(C($"Mov_r{w}_rm{w}"), Reg(r, w), Mem(r, ins)); break;
                }
                break;
            }
            case 15:   // LEA, every addressing form
            {
                if (w == 8) w = 64;
                var dst = Reg(r, w);
                Register[] bases = [RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI, R8, R9, R10, R11, R12, R13, R14, R15];
                Register[] indexes = bases.Where(b => b != RSP).ToArray();
                long disp = r.Below(3) switch { 0 => 0, 1 => r.Range(-128, 128), _ => (int)r.Next() };
                int dsz = disp == 0 ? 0 : disp is >= -128 and < 128 ? 1 : 8;
                MemoryOperand m = r.Below(6) switch
                {
                    0 => new MemoryOperand(RIP, Register.None, 1, (long)(RandomProgram.AreaAddr + (ulong)r.Range(0, 0x1000)), 8),
                    1 => new MemoryOperand(r.Pick(bases), disp, dsz),
                    2 => new MemoryOperand(r.Pick(bases), r.Pick(indexes), 1 << r.Below(4), disp, dsz),
                    3 => new MemoryOperand(Register.None, r.Pick(indexes), 1 << r.Below(4), (int)r.Next(), 8),
                    4 => new MemoryOperand((Register)((int)EAX + r.Below(16)), (Register)((int)EAX + r.Below(16)) is var i32 && i32 != ESP ? i32 : EBX, 1 << r.Below(4), disp, dsz == 8 ? 4 : dsz),
                    _ => new MemoryOperand(Register.None, Register.None, 1, (int)r.Next(), 8),
                };
                main = Instruction.Create(C($"Lea_r{w}_m"), dst, m);
                break;
            }
            default:   // string instructions, REP with small counts, DF = 0
            {
                int sz = r.Pick(new[] { 1, 2, 4, 8 });
                ins.Add(Instruction.Create(Code.Mov_r32_imm32, ESI, (uint)(RandomProgram.AreaAddr + (ulong)r.Range(0, 0xF00))));
                ins.Add(Instruction.Create(Code.Mov_r32_imm32, EDI, (uint)(RandomProgram.AreaAddr + (ulong)r.Range(0, 0xF00))));
                bool rep = r.Chance(0.7);
                if (rep) ins.Add(Instruction.Create(Code.Mov_r32_imm32, ECX, r.Below(9)));
                string s = sz switch { 1 => "b", 2 => "w", 4 => "d", _ => "q" };
                var plain = rep ? RepPrefixKind.Repe : RepPrefixKind.None;
                var cmpRep = rep ? (r.Chance(0.5) ? RepPrefixKind.Repe : RepPrefixKind.Repne) : RepPrefixKind.None;
                main = r.Below(5) switch
                {
                    0 => s switch { "b" => Instruction.CreateMovsb(64, Register.None, plain), "w" => Instruction.CreateMovsw(64, Register.None, plain), "d" => Instruction.CreateMovsd(64, Register.None, plain), _ => Instruction.CreateMovsq(64, Register.None, plain) },
                    1 => s switch { "b" => Instruction.CreateStosb(64, plain), "w" => Instruction.CreateStosw(64, plain), "d" => Instruction.CreateStosd(64, plain), _ => Instruction.CreateStosq(64, plain) },
                    2 => s switch { "b" => Instruction.CreateLodsb(64, Register.None, plain), "w" => Instruction.CreateLodsw(64, Register.None, plain), "d" => Instruction.CreateLodsd(64, Register.None, plain), _ => Instruction.CreateLodsq(64, Register.None, plain) },
                    3 => s switch { "b" => Instruction.CreateCmpsb(64, Register.None, cmpRep), "w" => Instruction.CreateCmpsw(64, Register.None, cmpRep), "d" => Instruction.CreateCmpsd(64, Register.None, cmpRep), _ => Instruction.CreateCmpsq(64, Register.None, cmpRep) },
                    _ => s switch { "b" => Instruction.CreateScasb(64, cmpRep), "w" => Instruction.CreateScasw(64, cmpRep), "d" => Instruction.CreateScasd(64, cmpRep), _ => Instruction.CreateScasq(64, cmpRep) },
                };
                w = sz * 8;
                break;
            }
        }
        ins.Add(main);
        int bits = main.Mnemonic is Mnemonic.Mul or Mnemonic.Imul or Mnemonic.Div or Mnemonic.Idiv or Mnemonic.Shl or Mnemonic.Shr
            or Mnemonic.Sar or Mnemonic.Rol or Mnemonic.Ror or Mnemonic.Rcl or Mnemonic.Rcr or Mnemonic.Shld or Mnemonic.Shrd
            ? OperandBits(main) : w;
        return new RandomProgramStep(ins, FlagRules.Defined(main.Mnemonic, bits, count));
    }

    static int OperandBits(Instruction ins) =>
        ins.Op0Kind == OpKind.Register ? ins.Op0Register.GetSize() * 8 : ins.MemorySize.GetSize() * 8;
}
