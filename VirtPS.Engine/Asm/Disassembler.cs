using Iced.Intel;

namespace VirtPS.Engine.Asm;

/// <summary>Decodes x86-64 machine code into NASM-syntax text with Iced's <see cref="NasmFormatter"/>.</summary>
public static class Disassembler
{
    /// <summary>
    /// Disassembles up to <paramref name="maxCount"/> instructions of <paramref name="code"/>, the first at
    /// <paramref name="address"/>. Undecodable bytes come out one at a time as <c>(bad)</c>; this never throws on bad input.
    /// </summary>
    public static IReadOnlyList<DisassembledInstruction> Disassemble(ReadOnlySpan<byte> code, ulong address, int maxCount = int.MaxValue)
    {
        var bytes = code.ToArray();
        var result = new List<DisassembledInstruction>();
        var formatter = CreateFormatter();
        var output = new StringOutput();
        int offset = 0;
        while (offset < bytes.Length && result.Count < maxCount)
        {
            ulong ip = address + (ulong)offset;
            // A fresh decoder per instruction lets us restart one byte later after a bad one.
            var decoder = Decoder.Create(64, new ByteArrayCodeReader(bytes, offset, bytes.Length - offset), ip);
            decoder.Decode(out var ins);
            if (ins.IsInvalid || decoder.LastError != DecoderError.None)
            {
                result.Add(new DisassembledInstruction(ip, [bytes[offset]], "(bad)"));
                offset++;
                continue;
            }
            formatter.Format(ins, output);
            result.Add(new DisassembledInstruction(ip, bytes.AsSpan(offset, ins.Length).ToArray(), output.ToStringAndReset()));
            offset += ins.Length;
        }
        return result;
    }

    /// <summary>One decoded instruction as NASM text.</summary>
    public static string Format(in Instruction ins)
    {
        var output = new StringOutput();
        CreateFormatter().Format(ins, output);
        return output.ToStringAndReset();
    }

    /// <summary>Options chosen so the text reads like NASM source: lowercase, 0x-prefixed hex, rip-relative targets as absolute addresses.</summary>
    internal static NasmFormatter CreateFormatter()
    {
        var f = new NasmFormatter();
        var o = f.Options;
        o.HexPrefix = "0x";
        o.HexSuffix = null;
        o.UppercaseHex = false;
        o.SpaceAfterOperandSeparator = true;
        o.RipRelativeAddresses = false;
        o.ShowBranchSize = false;
        o.BranchLeadingZeros = false;
        o.DisplacementLeadingZeros = false;
        o.LeadingZeros = false;
        o.SmallHexNumbersInDecimal = false;
        o.AddLeadingZeroToHexNumbers = false;
        o.MemorySizeOptions = MemorySizeOptions.Default;
        return f;
    }
}
