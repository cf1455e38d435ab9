using Iced.Intel;

namespace VirtPS.Engine.Asm;

internal sealed record BinaryExpr(Token At, string Op, Expr L, Expr R) : Expr(At)
{
    public override Value Eval(IEvalContext ctx)
    {
        var a = L.Eval(ctx);
        var b = R.Eval(ctx);
        unchecked
        {
            switch (Op)
            {
                case "+": return new(a.V + b.V, a.Rel + b.Rel);
                case "-": return new(a.V - b.V, a.Rel - b.Rel);
                case "*": return new(a.V * b.V);
                case "<<": return new(b.V >= 64 ? 0 : a.V << (int)b.V);
                case ">>": return new(b.V >= 64 ? 0 : (long)((ulong)a.V >> (int)b.V));
                case "&": return new(a.V & b.V);
                case "|": return new(a.V | b.V);
                case "^": return new(a.V ^ b.V);
                // %if only; NASM compares signed and gives 0 or 1.
                case "||": return new(a.V != 0 || b.V != 0 ? 1 : 0);
                case "^^": return new((a.V != 0) != (b.V != 0) ? 1 : 0);
                case "&&": return new(a.V != 0 && b.V != 0 ? 1 : 0);
                case "=" or "==": return new(a.V == b.V ? 1 : 0);
                case "<>" or "!=": return new(a.V != b.V ? 1 : 0);
                case "<": return new(a.V < b.V ? 1 : 0);
                case "<=": return new(a.V <= b.V ? 1 : 0);
                case ">": return new(a.V > b.V ? 1 : 0);
                case ">=": return new(a.V >= b.V ? 1 : 0);
            }
            // NASM: '/' and '%' are unsigned, '//' and '%%' signed.
            if (b.V == 0) throw new AssemblyException(ctx.Line, R.At.Column, "division by zero");
            return Op switch
            {
                "/" => new((long)((ulong)a.V / (ulong)b.V)),
                "%" => new((long)((ulong)a.V % (ulong)b.V)),
                "//" => new(a.V / b.V),
                "%%" => new(a.V % b.V),
                _ => throw new InvalidOperationException(Op),
            };
        }
    }
}
