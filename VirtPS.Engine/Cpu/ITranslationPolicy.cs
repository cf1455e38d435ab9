using System.Reflection;
using System.Reflection.Emit;

namespace VirtPS.Engine.Cpu;

/// <summary>
/// Decides, instruction by instruction, what the translator keeps and what becomes a callout into the VMM
/// (the BinaryTranslation style's policy: privileged and sensitive instructions are called out).
/// </summary>
internal interface ITranslationPolicy
{
    /// <summary>The callout that replaces <paramref name="insn"/>, or null to keep the instruction.</summary>
    Callout? CalloutFor(Insn insn);
}
