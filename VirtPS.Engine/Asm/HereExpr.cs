using Iced.Intel;

namespace VirtPS.Engine.Asm;

internal sealed record HereExpr(Token At, bool SectionStart) : Expr(At)
{
    public override Value Eval(IEvalContext ctx) => SectionStart ? ctx.SectionStart : ctx.Here;
}
