using Iced.Intel;

namespace VirtPS.Engine.Asm;

/// <summary>
/// A value of a constant expression. <see cref="Rel"/> counts references to the image base
/// (labels, <c>$</c>, <c>$$</c>): NASM treats such "relocatable" values differently from plain
/// numbers (no sign-extended imm8 forms, rip-relative addressing allowed), so we track it too.
/// </summary>
internal readonly record struct Value(long V, int Rel = 0)
{
    public bool IsRelocatable => Rel != 0;
}
