using Iced.Intel;

namespace VirtPS.Engine.Asm;

/// <summary>A register inside a memory operand; only the memory-operand linearizer may use it.</summary>
internal sealed record RegExpr(Token At, Register Reg) : Expr(At)
{
    public override Value Eval(IEvalContext ctx) =>
        throw new AssemblyException(ctx.Line, At.Column, $"register '{At.Text}' is not allowed in a constant expression");
}
