using Iced.Intel;
using K = Iced.Intel.OpCodeOperandKind;

namespace VirtPS.Engine.Asm;

/// <summary>One Iced <see cref="Code"/> that a mnemonic may become, with its operand kinds from Iced's opcode metadata.</summary>
internal sealed record Candidate(Code Code, OpCodeInfo Info, K[] Kinds, MemorySize MemorySize, int Order)
{
    public bool HasStringOperand => Kinds.Any(k => k is K.seg_rSI or K.es_rDI or K.seg_rDI or K.seg_rBX_al);
}
