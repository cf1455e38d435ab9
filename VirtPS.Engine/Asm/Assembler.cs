namespace VirtPS.Engine.Asm;

/// <summary>
/// A NASM-compatible (<c>-f bin</c>, <c>bits 64</c>) text assembler over Iced's encoder.
/// Assembles in passes until every label address is stable, so branches relax to their
/// short forms as NASM's optimizer does.
/// </summary>
public static class Assembler
{
    /// <summary>Assembles <paramref name="source"/> into a flat image loaded at <paramref name="origin"/>.</summary>
    /// <param name="defines">Constants usable in expressions and <c>%if</c>/<c>%ifdef</c>, like nasm's <c>-DNAME=value</c>.</param>
    /// <exception cref="AssemblyException">The source has an error; line and column point at it.</exception>
    public static AssembledProgram Assemble(string source, IReadOnlyDictionary<string, long>? defines = null, ulong origin = 0x100000)
    {
        ArgumentNullException.ThrowIfNull(source);
        defines ??= new Dictionary<string, long>();
        var statements = new Parser().ParseAll(Preprocessor.Run(source, defines));
        return new AssemblyRun(statements, defines, origin).Run();
    }
}
