using Iced.Intel;

namespace VirtPS.Engine.Asm;

internal sealed record NumExpr(Token At, long N) : Expr(At)
{
    public override Value Eval(IEvalContext ctx) => new(N);
}
