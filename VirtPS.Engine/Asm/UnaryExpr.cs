using Iced.Intel;

namespace VirtPS.Engine.Asm;

internal sealed record UnaryExpr(Token At, string Op, Expr E) : Expr(At)
{
    public override Value Eval(IEvalContext ctx)
    {
        var v = E.Eval(ctx);
        return Op switch
        {
            "-" => new(unchecked(-v.V), -v.Rel),
            "+" => v,
            "~" => new(~v.V),
            "!" => new(v.V == 0 ? 1 : 0),
            _ => throw new InvalidOperationException(Op),
        };
    }
}
