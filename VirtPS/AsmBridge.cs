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
#if HAVE_ASSEMBLER
        return Assembler.Assemble(source, defines, origin);
#else
        throw new VirtPSException("AssemblerUnavailable", ErrorKind.InvalidOperation,
            "This build of VirtPS has no assembler (VirtPS.Engine.Asm.Assembler was not present at build time).", null);
#endif
    }

    public static IReadOnlyList<DisassembledInstruction> Disassemble(ReadOnlySpan<byte> code, ulong address, int maxCount)
    {
#if HAVE_DISASSEMBLER
        return Disassembler.Disassemble(code, address, maxCount).ToList();
#else
        throw new VirtPSException("DisassemblerUnavailable", ErrorKind.InvalidOperation,
            "This build of VirtPS has no disassembler (VirtPS.Engine.Asm.Disassembler was not present at build time).", null);
#endif
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
                throw new VirtPSException("InvalidDefine", ErrorKind.InvalidArgument,
                    $"The value of define '{name}' ('{e.Value}') is not an integer.", name);
            }
        }
        return defines;
    }
}
