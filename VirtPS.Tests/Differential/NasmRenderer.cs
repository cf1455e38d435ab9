using System.Text;
using Iced.Intel;

namespace VirtPS.Tests.Differential;

/// <summary>
/// Writes a <see cref="RandomProgram"/> as NASM source (Iced's NASM formatter, RIP-relative operands as
/// <c>[rel area+offset]</c> against a label placed at <see cref="RandomProgram.AreaAddr"/> by the linker), and checks
/// that what nasm made of it is the program the generator meant: every instruction nasm emitted, decoded, reads the
/// same as the generator's (nasm may pick another encoding of the same instruction, e.g. a sign-extended imm8; both
/// sides then run nasm's bytes).
/// </summary>
internal static class NasmRenderer
{
    /// <summary>The label of the data area in the ELF (at <see cref="RandomProgram.AreaAddr"/>).</summary>
    public const string AreaLabel = "area";

    /// <summary>The flag fold after each step, as a macro (the same instructions as <see cref="RandomProgram.Fold"/>).</summary>
    public const string FoldMacro = """
        %macro FOLD 1
            pushfq
            pop r13
            and r13, %1
            xor r15, r13
            rol r15, 7
            or r13, 0x202
            push r13
            popfq
        %endmacro
        """;

    [ThreadStatic] static NasmFormatter? _source;
    [ThreadStatic] static IntelFormatter? _reader;
    [ThreadStatic] static StringOutput? _out;

    static NasmFormatter Source => _source ??= MakeSource();
    static StringOutput Out => _out ??= new StringOutput();

    static NasmFormatter MakeSource()
    {
        var f = new NasmFormatter(new AreaSymbol());
        var o = f.Options;
        o.HexPrefix = "0x";
        o.HexSuffix = null;
        o.UppercaseHex = false;
        o.SpaceAfterOperandSeparator = true;
        o.RipRelativeAddresses = false;
        o.MemorySizeOptions = MemorySizeOptions.Always;   // nasm needs a size wherever the operands do not give one
        return f;
    }

    /// <summary>Resolves RIP-relative targets inside the data buffer to <c>area+offset</c>, so nasm emits a
    /// PC-relative relocation the linker resolves at the program's real address (an absolute number cannot be
    /// RIP-relative in nasm).</summary>
    sealed class AreaSymbol : ISymbolResolver
    {
        public bool TryGetSymbol(in Instruction instruction, int operand, int instructionOperand, ulong address, int addressSize, out SymbolResult symbol)
        {
            if (instruction.IsIPRelativeMemoryOperand && address >= Layout.DataAddr && address < Layout.DataAddr + Layout.DataSize
                && instructionOperand >= 0 && instruction.GetOpKind(instructionOperand) == OpKind.Memory)
            {
                symbol = new SymbolResult(Layout.DataAddr, AreaLabel);
                return true;
            }
            symbol = default;
            return false;
        }
    }

    /// <summary>One instruction as a NASM source line.</summary>
    public static string Line(in Instruction ins)
    {
        Source.Format(ins, Out);
        string text = Out.ToStringAndReset();
        // nasm would shorten `mov r64, imm64` and `mov r64, simm32` with a small immediate to `mov r32, imm32`: the
        // same result, but the engine should run the form the generator chose.
        if (ins.Code == Code.Mov_r64_imm64) text = Insert(text, text.IndexOf(',') + 1, " strict qword");
        else if (ins.Code == Code.Mov_rm64_imm32 && ins.Op0Kind == OpKind.Register) text = Insert(text, text.IndexOf(',') + 1, " strict dword");
        // nasm encodes an index without a base ([r9*1+d], [r8*2+d]) as a base ([r9+d], [r8+r8+d]) unless told not to.
        if (ins.HasOpKind(OpKind.Memory) && ins.MemoryBase == Register.None && ins.MemoryIndex != Register.None)
            text = Insert(text, text.IndexOf('[') + 1, "nosplit ");
        return text;
    }

    static string Insert(string s, int at, string what) => s[..at] + what + s[at..];

    /// <summary>The first <paramref name="count"/> steps as NASM lines, each step followed by its FOLD.</summary>
    public static void Append(StringBuilder sb, RandomProgram p, int count)
    {
        for (int i = 0; i < count; i++)
        {
            var step = p.Steps[i];
            foreach (var ins in step.Instructions) sb.Append("    ").Append(Line(ins)).Append('\n');
            sb.Append("    FOLD 0x").Append(step.DefinedFlags.ToString("x")).Append('\n');
        }
    }

    /// <summary>Text that names an instruction independently of its encoding (Intel syntax, absolute RIP-relative targets).</summary>
    static string Read(in Instruction ins)
    {
        var f = _reader ??= new IntelFormatter();
        f.Format(ins, Out);
        // [r12*1+d] is [r12+d]: nasm encodes the first as the second even with nosplit.
        return Out.ToStringAndReset().Replace("*1+", "+").Replace("*1-", "-").Replace("*1]", "]");
    }

    /// <summary>Null when <paramref name="code"/> (nasm's bytes at <paramref name="address"/>) decodes to exactly the
    /// program's instructions (its first <paramref name="count"/> steps with their folds); otherwise what differs.</summary>
    public static string? Verify(RandomProgram p, int count, ulong address, byte[] code)
    {
        var dec = Iced.Intel.Decoder.Create(64, new ByteArrayCodeReader(code), address);
        ulong end = address + (ulong)code.Length;
        for (int s = 0; s < count; s++)
        {
            var step = p.Steps[s];
            foreach (var want in step.Instructions.Concat(RandomProgram.Fold(step.DefinedFlags)))
            {
                if (dec.IP >= end) return $"step {s + 1}: nasm's code ends before `{Read(want)}`";
                ulong at = dec.IP;
                var got = dec.Decode();
                string w = Read(want), g = Read(got);
                if (got.IsInvalid || w != g)
                    return $"step {s + 1}: `{Line(want)}` was assembled by nasm at 0x{at:X} as `{g}` ({Convert.ToHexString(code, (int)(at - address), got.Length).ToLowerInvariant()}), not `{w}`";
            }
        }
        return dec.IP == end ? null : $"nasm's code has {end - dec.IP} byte(s) after the last step";
    }
}
