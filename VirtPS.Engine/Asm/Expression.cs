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

/// <summary>What an expression needs from the assembler while it is evaluated.</summary>
internal interface IEvalContext
{
    Value Lookup(string name, Token at);
    Value Here { get; }
    Value SectionStart { get; }
    /// <summary>The source line being assembled, for error positions.</summary>
    int Line { get; }
}

internal abstract record Expr(Token At)
{
    public abstract Value Eval(IEvalContext ctx);
}

internal sealed record NumExpr(Token At, long N) : Expr(At)
{
    public override Value Eval(IEvalContext ctx) => new(N);
}

internal sealed record SymExpr(Token At, string Name) : Expr(At)
{
    public override Value Eval(IEvalContext ctx) => ctx.Lookup(Name, At);
}

internal sealed record HereExpr(Token At, bool SectionStart) : Expr(At)
{
    public override Value Eval(IEvalContext ctx) => SectionStart ? ctx.SectionStart : ctx.Here;
}

/// <summary>A register inside a memory operand; only the memory-operand linearizer may use it.</summary>
internal sealed record RegExpr(Token At, Register Reg) : Expr(At)
{
    public override Value Eval(IEvalContext ctx) =>
        throw new AssemblyException(ctx.Line, At.Column, $"register '{At.Text}' is not allowed in a constant expression");
}

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

/// <summary>
/// Precedence-climbing parser for NASM expressions over a token list:
/// <c>| ^ &amp; (&lt;&lt; &gt;&gt;) (+ -) (* / % // %%)</c>, then unary <c>- + ~ !</c>.
/// In %if expressions (<see cref="AllowRelational"/>) <c>|| ^^ &amp;&amp;</c> and the comparisons come first, loosest.
/// </summary>
internal sealed class ExprParser
{
    static readonly string[][] Levels =
    [
        ["||"], ["^^"], ["&&"], ["=", "==", "<>", "!=", "<", "<=", ">", ">="],
        ["|"], ["^"], ["&"], ["<<", ">>"], ["+", "-"], ["*", "/", "%", "//", "%%"],
    ];
    /// <summary>Where the levels of ordinary expressions start; NASM has the ones above only in %if.</summary>
    const int FirstArithmeticLevel = 4;

    readonly List<Token> _t;
    readonly int _line;
    readonly Func<string, string> _qualify;
    public int Pos;
    /// <summary>When set, register names become <see cref="RegExpr"/> leaves (inside [ ]).</summary>
    public bool AllowRegisters;
    /// <summary>When set, the relational and logical operators of %if expressions are parsed too.</summary>
    public bool AllowRelational;

    public ExprParser(List<Token> tokens, int pos, int line, Func<string, string> qualify)
    { _t = tokens; Pos = pos; _line = line; _qualify = qualify; }

    Token Peek => _t[Pos];

    public Expr Parse() => ParseLevel(AllowRelational ? 0 : FirstArithmeticLevel);

    Expr ParseLevel(int level)
    {
        if (level == Levels.Length) return ParseUnary();
        var left = ParseLevel(level + 1);
        while (Peek.Kind == TokenKind.Punct && Levels[level].Contains(Peek.Text))
        {
            var op = _t[Pos++];
            var right = ParseLevel(level + 1);
            left = new BinaryExpr(op, op.Text, left, right);
        }
        return left;
    }

    Expr ParseUnary()
    {
        var tok = Peek;
        if (tok.Kind == TokenKind.Punct && tok.Text is "-" or "+" or "~" or "!")
        {
            Pos++;
            return new UnaryExpr(tok, tok.Text, ParseUnary());
        }
        return ParsePrimary();
    }

    Expr ParsePrimary()
    {
        var tok = _t[Pos];
        switch (tok.Kind)
        {
            case TokenKind.Number:
                Pos++;
                return new NumExpr(tok, tok.Number);
            case TokenKind.String:
                {
                    // A character constant: up to 8 bytes, little-endian, as in NASM.
                    Pos++;
                    var b = tok.Bytes!;
                    if (b.Length > 8) throw new AssemblyException(_line, tok.Column, "character constant longer than 8 bytes");
                    long v = 0;
                    for (int i = b.Length - 1; i >= 0; i--) v = (v << 8) | b[i];
                    return new NumExpr(tok, v);
                }
            case TokenKind.Identifier:
                Pos++;
                if (AllowRegisters && Registers.TryParse(tok.Text, out var reg)) return new RegExpr(tok, reg);
                return new SymExpr(tok, _qualify(tok.Text));
            case TokenKind.Punct when tok.Text == "$":
                Pos++;
                return new HereExpr(tok, false);
            case TokenKind.Punct when tok.Text == "$$":
                Pos++;
                return new HereExpr(tok, true);
            case TokenKind.Punct when tok.Text == "(":
                {
                    Pos++;
                    var e = Parse();
                    if (!Peek.Is(")")) throw new AssemblyException(_line, Peek.Column, $"expected ')' but found {Peek}");
                    Pos++;
                    return e;
                }
            default:
                throw new AssemblyException(_line, tok.Column, $"expected an expression but found {tok}");
        }
    }
}
