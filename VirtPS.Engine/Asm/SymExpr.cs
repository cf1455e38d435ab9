using Iced.Intel;

namespace VirtPS.Engine.Asm;

internal sealed record SymExpr(Token At, string Name) : Expr(At)
{
    public override Value Eval(IEvalContext ctx) => ctx.Lookup(Name, At);
}
