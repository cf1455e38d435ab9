using Iced.Intel;

namespace VirtPS.Engine.Asm;

/// <summary>An immediate or branch target; <see cref="Strict"/> ("strict dword 1") forbids the optimizer to shrink it.</summary>
internal sealed record ImmOperand(Token At, Expr Value, int Size, BranchHint Hint, bool Strict) : Operand(At);
