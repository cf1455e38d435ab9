using System.Text;

namespace VirtPS.Engine.Asm;

/// <summary>
/// The NASM preprocessor subset that conditional assembly needs: single-line <c>%define</c>/<c>%undef</c>,
/// <c>%if</c>/<c>%ifn</c>/<c>%ifdef</c>/<c>%ifndef</c> with their <c>%elif</c> forms, <c>%else</c>, <c>%endif</c>,
/// and <c>%error</c>. Lines in inactive branches are not tokenized, so they may hold anything, as in NASM.
/// Caller defines (<c>-D</c>) stay assembler symbols, but count as defined and have their values here.
/// </summary>
internal sealed class Preprocessor
{
    /// <summary>Where one <c>%if</c> block stands.</summary>
    enum Branch
    {
        /// <summary>The current branch is being assembled.</summary>
        Active,
        /// <summary>No branch has been taken yet; a later %elif or %else may be.</summary>
        Seeking,
        /// <summary>A branch was taken already, or the whole block sits in an inactive branch.</summary>
        Done,
    }

    sealed class Block
    {
        public required int Line { get; init; }
        public required int Column { get; init; }
        public required string Directive { get; init; }
        public Branch Branch { get; set; }
        public int ElseLine { get; set; }
    }

    readonly IReadOnlyDictionary<string, long> _callerDefines;
    /// <summary>Macro bodies as tokens; NASM matches single-line macro names case-sensitively.</summary>
    readonly Dictionary<string, List<Token>> _macros = new(StringComparer.Ordinal);
    readonly Stack<Block> _blocks = new();
    int _line;

    Preprocessor(IReadOnlyDictionary<string, long> callerDefines) => _callerDefines = callerDefines;

    public static List<SourceLine> Run(string source, IReadOnlyDictionary<string, long> callerDefines) =>
        new Preprocessor(callerDefines).Process(source);

    bool Active => _blocks.Count == 0 || _blocks.Peek().Branch == Branch.Active;

    AssemblyException Error(int column, string message) => new(_line, column, message);

    List<SourceLine> Process(string source)
    {
        var lines = source.Replace("\r\n", "\n").Split('\n');
        var result = new List<SourceLine>(lines.Length);
        for (int i = 0; i < lines.Length; i++)
        {
            _line = i + 1;
            string text = lines[i];
            string? name = DirectiveName(text, out int column);
            if (name is null)
            {
                if (Active) result.Add(new SourceLine(_line, text, Expand(Lexer.Tokenize(text, _line))));
                continue;
            }
            Directive(name.ToLowerInvariant(), text, column);
        }
        if (_blocks.Count > 0)
        {
            var open = _blocks.Peek();
            _line = open.Line;
            throw Error(open.Column, $"'%{open.Directive}' has no matching '%endif' before the end of the source");
        }
        return result;
    }

    /// <summary>The word after a leading '%', found without tokenizing the line (it may be in an inactive branch).</summary>
    static string? DirectiveName(string text, out int column)
    {
        int i = 0;
        while (i < text.Length && char.IsWhiteSpace(text[i])) i++;
        column = i + 1;
        if (i == text.Length || text[i] != '%') return null;
        int start = ++i;
        while (i < text.Length && Lexer.IsIdentChar(text[i])) i++;
        return text[start..i];
    }

    void Directive(string name, string text, int column)
    {
        switch (name)
        {
            case "if" or "ifn" or "ifdef" or "ifndef":
                {
                    // Inside an inactive branch the condition is not even looked at, as in NASM.
                    var block = new Block { Line = _line, Column = column, Directive = name, Branch = Branch.Done };
                    if (Active) block.Branch = Condition(name, text) ? Branch.Active : Branch.Seeking;
                    _blocks.Push(block);
                    return;
                }
            case "elif" or "elifn" or "elifdef" or "elifndef":
                {
                    var block = Enclosing(name, column);
                    if (block.ElseLine != 0) throw Error(column, $"'%{name}' after the '%else' on line {block.ElseLine}");
                    if (block.Branch == Branch.Active) block.Branch = Branch.Done;
                    else if (block.Branch == Branch.Seeking && Condition(name, text)) block.Branch = Branch.Active;
                    return;
                }
            case "else":
                {
                    var block = Enclosing(name, column);
                    if (block.ElseLine != 0) throw Error(column, $"a second '%else' for the '%{block.Directive}' on line {block.Line} (the first is on line {block.ElseLine})");
                    block.ElseLine = _line;
                    block.Branch = block.Branch == Branch.Seeking ? Branch.Active : Branch.Done;
                    return;
                }
            case "endif":
                Enclosing(name, column);
                _blocks.Pop();
                return;
        }
        if (!Active) return;
        var t = Lexer.Tokenize(text, _line);
        // t[0] is '%', t[1] the directive name, arguments from t[2].
        switch (name)
        {
            case "define":
                {
                    var macro = MacroName(t, name);
                    if (t[3].Is("(") && t[3].Column == macro.Column + macro.Text.Length)
                        throw Error(t[3].Column, $"macros with parameters are not supported ('%define {macro.Text}(...)')");
                    _macros[macro.Text] = t.GetRange(3, t.Count - 4);
                    return;
                }
            case "undef":
                {
                    var macro = MacroName(t, name);
                    if (t[3].Kind != TokenKind.End) throw Error(t[3].Column, $"expected end of line after the macro name but found {t[3]}");
                    // Caller defines are assembler symbols for the whole source, so they cannot end at a line.
                    if (_callerDefines.ContainsKey(macro.Text))
                        throw Error(macro.Column, $"'{macro.Text}' is defined by the caller and cannot be removed with %undef");
                    _macros.Remove(macro.Text);
                    return;
                }
            case "error":
                {
                    // One string is the message; otherwise the words as written, without a trailing comment.
                    string message = t.Count == 4 && t[2].Kind == TokenKind.String ? Encoding.UTF8.GetString(t[2].Bytes!)
                        : t.Count == 3 ? ""
                        : text[(t[2].Column - 1)..(t[^2].Column - 1 + t[^2].Text.Length)];
                    throw Error(column, message.Length > 0 ? message : "%error");
                }
            case "":
                throw Error(column, "expected a preprocessor directive name after '%'");
            default:
                throw Error(column, $"'%{name}' is not a supported preprocessor directive " +
                    "(supported: %define, %undef, %if, %ifn, %ifdef, %ifndef, %elif, %elifn, %elifdef, %elifndef, %else, %endif, %error)");
        }
    }

    Block Enclosing(string name, int column) =>
        _blocks.Count > 0 ? _blocks.Peek() : throw Error(column, $"'%{name}' without a matching '%if'");

    Token MacroName(List<Token> t, string directive) =>
        t[2].Kind == TokenKind.Identifier ? t[2] : throw Error(t[2].Column, $"'%{directive}' needs a macro name but found {t[2]}");

    /// <summary>Evaluates the condition of an %if/%ifdef-style directive (its negated forms end in 'n'/'ndef').</summary>
    bool Condition(string name, string text)
    {
        var t = Lexer.Tokenize(text, _line);
        bool result;
        if (name.EndsWith("def", StringComparison.Ordinal))
        {
            var macro = MacroName(t, name);
            if (t[3].Kind != TokenKind.End) throw Error(t[3].Column, $"expected end of line after the macro name but found {t[3]}");
            result = _macros.ContainsKey(macro.Text) || _callerDefines.ContainsKey(macro.Text);
            return name.EndsWith("ndef", StringComparison.Ordinal) ? !result : result;
        }
        var tokens = Expand(t.GetRange(2, t.Count - 2));
        if (tokens[0].Kind == TokenKind.End) throw Error(tokens[0].Column, $"'%{name}' needs an expression");
        var parser = new ExprParser(tokens, 0, _line, n => n) { AllowRelational = true };
        var expr = parser.Parse();
        if (tokens[parser.Pos].Kind != TokenKind.End)
            throw Error(tokens[parser.Pos].Column, $"expected end of line but found {tokens[parser.Pos]}");
        result = expr.Eval(new ConditionContext(this, tokens[0].Column)).V != 0;
        return name.EndsWith('n') ? !result : result;
    }

    /// <summary>
    /// Replaces macro names with their bodies, again and again as NASM does, except that a macro is not
    /// expanded inside its own expansion. Substituted tokens take the column of the name they replace,
    /// so errors point at what was written.
    /// </summary>
    List<Token> Expand(List<Token> tokens)
    {
        if (_macros.Count == 0) return tokens;
        var output = new List<Token>(tokens.Count);
        var expanding = new HashSet<string>(StringComparer.Ordinal);
        foreach (var tok in tokens) ExpandInto(tok, tok.Column, output, expanding);
        return output;
    }

    void ExpandInto(Token tok, int column, List<Token> output, HashSet<string> expanding)
    {
        if (tok.Kind == TokenKind.Identifier && _macros.TryGetValue(tok.Text, out var body) && expanding.Add(tok.Text))
        {
            foreach (var b in body) ExpandInto(b, column, output, expanding);
            expanding.Remove(tok.Text);
            return;
        }
        output.Add(tok with { Column = column });
    }

    /// <summary>What a %if expression may refer to: caller defines only (labels do not exist yet).</summary>
    sealed class ConditionContext(Preprocessor pp, int column) : IEvalContext
    {
        public int Line => pp._line;
        public Value Here => throw new AssemblyException(pp._line, column, "'$' cannot be used in a %if expression");
        public Value SectionStart => throw new AssemblyException(pp._line, column, "'$$' cannot be used in a %if expression");

        public Value Lookup(string name, Token at) =>
            pp._callerDefines.TryGetValue(name, out long v) ? new Value(v)
            : throw new AssemblyException(pp._line, at.Column,
                $"undefined symbol '{at.Text}' in a %if expression (only defines are known here, not labels or equ)");
    }
}
