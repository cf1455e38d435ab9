using Iced.Intel;

namespace VirtPS.Engine.Asm;

internal sealed record RegOperand(Token At, Register Reg) : Operand(At);
