using Iced.Intel;

namespace VirtPS.Engine.Asm;

internal abstract record Expr(Token At)
{
    public abstract Value Eval(IEvalContext ctx);
}
