using Iced.Intel;

namespace VirtPS.Engine.Asm;

/// <summary>Turns source lines into <see cref="Statement"/>s. Resolves local labels (<c>.x</c>) against the last global label.</summary>
internal sealed class Parser
{
    static readonly Dictionary<string, int> DataUnits = new(StringComparer.OrdinalIgnoreCase)
    { ["db"] = 1, ["dw"] = 2, ["dd"] = 4, ["dq"] = 8, ["dt"] = 10, ["do"] = 16, ["dy"] = 32, ["dz"] = 64 };
    static readonly Dictionary<string, int> ReserveUnits = new(StringComparer.OrdinalIgnoreCase)
    { ["resb"] = 1, ["resw"] = 2, ["resd"] = 4, ["resq"] = 8, ["rest"] = 10, ["reso"] = 16, ["resy"] = 32, ["resz"] = 64 };
    internal static readonly Dictionary<string, int> SizeKeywords = new(StringComparer.OrdinalIgnoreCase)
    { ["byte"] = 1, ["word"] = 2, ["dword"] = 4, ["qword"] = 8, ["tword"] = 10, ["oword"] = 16, ["yword"] = 32, ["zword"] = 64 };
    static readonly HashSet<string> PrefixWords = new(StringComparer.OrdinalIgnoreCase)
    { "rep", "repe", "repz", "repne", "repnz", "lock", "o16", "o32", "o64", "a32", "a64", "cs", "ds", "es", "fs", "gs", "ss" };

    string _lastGlobal = "";
    int _line;
    List<Token> _t = [];
    int _pos;

    public static bool IsDirective(string word) =>
        DataUnits.ContainsKey(word) || ReserveUnits.ContainsKey(word) || word.Equals("equ", StringComparison.OrdinalIgnoreCase)
        || word.Equals("times", StringComparison.OrdinalIgnoreCase);

    /// <summary>Parses the lines the <see cref="Preprocessor"/> kept, already tokenized and expanded.</summary>
    public List<Statement> ParseAll(IReadOnlyList<SourceLine> lines)
    {
        var result = new List<Statement>(lines.Count);
        foreach (var line in lines) result.Add(ParseLine(line));
        return result;
    }

    string Qualify(string name) =>
        name.StartsWith('.') && !name.StartsWith("..", StringComparison.Ordinal) ? _lastGlobal + name : name;

    Token Peek => _t[_pos];
    Token Next() => _t[_pos++];

    AssemblyException Error(Token at, string message) => new(_line, at.Column, message);

    void Expect(string punct)
    {
        if (!Peek.Is(punct)) throw Error(Peek, $"expected '{punct}' but found {Peek}");
        _pos++;
    }

    void ExpectEnd()
    {
        if (Peek.Kind != TokenKind.End) throw Error(Peek, $"expected end of line but found {Peek}");
    }

    Expr ParseExpr(bool allowRegisters = false)
    {
        var p = new ExprParser(_t, _pos, _line, Qualify) { AllowRegisters = allowRegisters };
        var e = p.Parse();
        _pos = p.Pos;
        return e;
    }

    Statement ParseLine(SourceLine line)
    {
        _line = line.Number;
        _t = [.. line.Tokens]; // a copy: the "[bits 64]" form below edits the list
        _pos = 0;
        var st = new Statement { Line = line.Number, Source = line.Text };
        // "[bits 64]" and friends: NASM's primitive-directive form.
        if (Peek.Is("[") && _t[^2].Is("]") && _t[1].Kind == TokenKind.Identifier)
        {
            _t.RemoveAt(_t.Count - 2);
            _t.RemoveAt(0);
        }
        if (Peek.Kind == TokenKind.End) return st;

        // Label: "name:" or "name" directly followed by a data directive / equ / times.
        if (Peek.Kind == TokenKind.Identifier &&
            (_t[1].Is(":") || (_t[1].Kind == TokenKind.Identifier && IsDirective(_t[1].Text) && !IsDirective(Peek.Text))))
        {
            var tok = Next();
            if (Peek.Is(":")) _pos++;
            if (Registers.TryParse(tok.Text, out _)) throw Error(tok, $"'{tok.Text}' is a register and cannot be a label");
            st.LabelToken = tok;
            st.Label = Qualify(tok.Text);
            // As in NASM, an equ constant does not start a new scope for local labels.
            if (!tok.Text.StartsWith('.') && !Peek.IsWord("equ")) _lastGlobal = tok.Text;
        }
        if (Peek.Kind == TokenKind.End) return st;
        if (Peek.Kind != TokenKind.Identifier) throw Error(Peek, $"expected an instruction or directive but found {Peek}");

        if (Peek.IsWord("times"))
        {
            _pos++;
            st.Times = ParseExpr();
        }
        ParseBody(st);
        return st;
    }

    /// <summary>Parses what follows the label/times: a directive or an instruction.</summary>
    void ParseBody(Statement st)
    {
        var kw = Peek;
        string word = kw.Text.ToLowerInvariant();
        st.KeywordToken = kw;
        if (DataUnits.TryGetValue(word, out int unit))
        {
            _pos++;
            st.Kind = StatementKind.Data;
            st.UnitSize = unit;
            do
            {
                if (Peek.Kind == TokenKind.String && (_t[_pos + 1].Is(",") || _t[_pos + 1].Kind == TokenKind.End))
                    st.Items.Add(new DataItem(Next().Bytes, null));
                else
                {
                    st.Items.Add(new DataItem(null, ParseExpr()));
                }
            } while (Peek.Is(",") && Next().Is(","));
            ExpectEnd();
            return;
        }
        if (ReserveUnits.TryGetValue(word, out unit))
        {
            _pos++;
            st.Kind = StatementKind.Reserve;
            st.UnitSize = unit;
            st.Arg = ParseExpr();
            ExpectEnd();
            return;
        }
        switch (word)
        {
            case "equ":
                if (st.Label is null) throw Error(kw, "'equ' needs a label before it");
                _pos++;
                st.Kind = StatementKind.Equ;
                st.Arg = ParseExpr();
                ExpectEnd();
                return;
            case "align" or "alignb":
                _pos++;
                st.Kind = StatementKind.Align;
                st.Arg = ParseExpr();
                if (Peek.Is(","))
                {
                    _pos++;
                    var fill = new Statement { Line = st.Line, Source = st.Source };
                    ParseBody(fill);
                    st.Fill = fill;
                }
                else if (word == "alignb")
                {
                    st.Fill = new Statement { Line = st.Line, Source = st.Source, Kind = StatementKind.Data, UnitSize = 1 };
                    st.Fill.Items.Add(new DataItem([0], null));
                }
                ExpectEnd();
                return;
            case "bits":
                _pos++;
                st.Kind = StatementKind.Bits;
                st.Arg = ParseExpr();
                ExpectEnd();
                return;
            case "default":
                _pos++;
                var mode = Next();
                if (mode.IsWord("rel")) st.DefaultRel = true;
                else if (!mode.IsWord("abs")) throw Error(mode, $"expected 'rel' or 'abs' but found {mode}");
                st.Kind = StatementKind.Default;
                ExpectEnd();
                return;
            case "org":
                _pos++;
                st.Kind = StatementKind.Org;
                st.Arg = ParseExpr();
                ExpectEnd();
                return;
            case "global" or "extern" or "cpu":
                st.Kind = StatementKind.Ignored;
                return;
            case "section" or "segment":
                _pos++;
                if (!(Peek.IsWord(".text") && _t[_pos + 1].Kind == TokenKind.End))
                    throw Error(Peek, "only one section (.text) is supported in a flat image");
                st.Kind = StatementKind.Ignored;
                return;
        }
        ParseInstruction(st);
    }

    void ParseInstruction(Statement st)
    {
        st.Kind = StatementKind.Instruction;
        while (Peek.Kind == TokenKind.Identifier && PrefixWords.Contains(Peek.Text) && _t[_pos + 1].Kind == TokenKind.Identifier)
            st.Prefixes.Add(Next());
        if (Peek.Kind != TokenKind.Identifier) throw Error(Peek, $"expected an instruction mnemonic but found {Peek}");
        st.Mnemonic = Next();
        // A lone prefix ("rep" on its own line, "lock") is still an instruction-like statement.
        if (Peek.Kind == TokenKind.End) return;
        while (true)
        {
            st.Operands.Add(ParseOperand());
            if (Peek.Kind == TokenKind.End) break;
            Expect(",");
        }
    }

    Operand ParseOperand()
    {
        var start = Peek;
        int size = 0;
        var hint = BranchHint.None;
        bool strict = false;
        while (Peek.Kind == TokenKind.Identifier)
        {
            if (SizeKeywords.TryGetValue(Peek.Text, out int s)) size = s;
            else if (Peek.IsWord("short")) hint = BranchHint.Short;
            else if (Peek.IsWord("near")) hint = BranchHint.Near;
            else if (Peek.IsWord("far")) hint = BranchHint.Far;
            else if (Peek.IsWord("strict")) strict = true;
            else break;
            _pos++;
        }
        if (Peek.Is("[")) return ParseMemory(start, size, hint == BranchHint.Far);

        var tok = Peek;
        if (tok.Kind == TokenKind.Identifier && Registers.TryParse(tok.Text, out var reg)
            && (_t[_pos + 1].Is(",") || _t[_pos + 1].Kind == TokenKind.End))
        {
            if (size != 0 || hint != BranchHint.None) throw Error(start, $"a size or distance keyword cannot apply to register '{tok.Text}'");
            _pos++;
            return new RegOperand(tok, reg);
        }
        if (tok.Kind == TokenKind.Identifier && Registers.TryParse(tok.Text, out _) && _t[_pos + 1].Is(":"))
            throw Error(tok, "segment overrides go inside the brackets, e.g. [fs:rax]");
        return new ImmOperand(tok, ParseExpr(), size, hint, strict);
    }

    MemOperand ParseMemory(Token start, int size, bool far)
    {
        var open = Next();
        bool? rel = null;
        int addrSize = 0;
        var seg = Register.None;
        while (true)
        {
            if (Peek.IsWord("rel")) { rel = true; _pos++; }
            else if (Peek.IsWord("abs")) { rel = false; _pos++; }
            else if (Peek.Kind == TokenKind.Identifier && SizeKeywords.TryGetValue(Peek.Text, out int s)) { addrSize = s; _pos++; }
            else if (Peek.Kind == TokenKind.Identifier && _t[_pos + 1].Is(":") && Registers.TryParse(Peek.Text, out var r) && r.IsSegmentRegister())
            { seg = r; _pos += 2; }
            else break;
        }
        if (Peek.Is("]")) throw Error(Peek, "expected an address inside the brackets");
        var address = ParseExpr(allowRegisters: true);
        Expect("]");
        return new MemOperand(start.Kind == TokenKind.Identifier ? start : open, size, far, seg, address, rel, addrSize);
    }
}
