using System.Collections;
using System.Management.Automation;
using VirtPS.Engine;
using VirtPS.Engine.Asm;

namespace VirtPS;

/// <summary>The module's calls into the engine's assembler and disassembler, and <c>-Define</c> conversion.</summary>
internal static class AsmBridge
{
    public static AssembledProgram Assemble(string source, IReadOnlyDictionary<string, long>? defines, ulong origin)
    {
        return Assembler.Assemble(source, defines, origin);
    }

    public static IReadOnlyList<DisassembledInstruction> Disassemble(ReadOnlySpan<byte> code, ulong address, int maxCount)
    {
        return Disassembler.Disassemble(code, address, maxCount).ToList();
    }

    /// <summary>Turns <c>-Define @{ ITER = 1000 }</c> into the assembler's symbol table; a value that is not an integer is InvalidDefine.</summary>
    public static IReadOnlyDictionary<string, long>? Defines(Hashtable? table)
    {
        if (table is null) return null;
        var defines = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (DictionaryEntry e in table)
        {
            string name = LanguagePrimitives.ConvertTo<string>(e.Key);
            try { defines[name] = LanguagePrimitives.ConvertTo<long>(e.Value); }
            catch (PSInvalidCastException)
            {
                throw new VirtPSException(ErrorIds.InvalidDefine, ErrorKind.InvalidArgument,
                    $"The value of define '{name}' ('{e.Value}') is not an integer.", name);
            }
        }
        return defines;
    }
}
