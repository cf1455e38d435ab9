using Iced.Intel;

namespace VirtPS.Engine.Asm;

/// <summary>
/// A memory operand as written: <c>size [rel seg:expr]</c>. <see cref="AddrSize"/> is the size keyword
/// written inside the brackets (byte/dword forces the displacement size, qword a 64-bit moffs address).
/// </summary>
internal sealed record MemOperand(Token At, int Size, bool Far, Register Segment, Expr Address, bool? Rel, int AddrSize) : Operand(At);
