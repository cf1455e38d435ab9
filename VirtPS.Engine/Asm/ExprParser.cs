using Iced.Intel;

namespace VirtPS.Engine.Asm;

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
