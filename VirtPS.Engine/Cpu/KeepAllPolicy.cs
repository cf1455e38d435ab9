using System.Reflection;
using System.Reflection.Emit;

namespace VirtPS.Engine.Cpu;

/// <summary>The default policy: every instruction is kept, so translated code runs the interpreter's semantics.</summary>
internal sealed class KeepAllPolicy : ITranslationPolicy
{
    public static readonly KeepAllPolicy Instance = new();
    public Callout? CalloutFor(Insn insn) => null;
}
