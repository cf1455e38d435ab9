using Iced.Intel;

namespace VirtPS.Engine.Asm;

/// <summary>One parsed source line.</summary>
internal sealed class Statement
{
    public required int Line { get; init; }
    public required string Source { get; init; }
    public Token LabelToken { get; set; }
    public string? Label { get; set; }
    public StatementKind Kind { get; set; }
    public Token KeywordToken { get; set; }
    public Expr? Times { get; set; }
    public List<Token> Prefixes { get; } = [];
    public Token Mnemonic { get; set; }
    public List<Operand> Operands { get; } = [];
    public int UnitSize { get; set; }
    public List<DataItem> Items { get; } = [];
    /// <summary>Count (resb), alignment (align), value (equ), mode (bits) or origin (org).</summary>
    public Expr? Arg { get; set; }
    /// <summary>For <c>align N, fill</c>: what to repeat; null means NOPs.</summary>
    public Statement? Fill { get; set; }
    public bool DefaultRel { get; set; }
}
