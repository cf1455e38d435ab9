using System.Text;

namespace VirtPS.Engine.Asm;

/// <summary>Splits one line of NASM-style source into tokens; a ';' outside a string ends the line.</summary>
internal static class Lexer
{
    // Longest first, so "<<" wins over "<". The relational and logical ones only parse in %if expressions.
    static readonly string[] Puncts = ["<<", ">>", "<=", ">=", "<>", "==", "!=", "&&", "||", "^^", "//", "%%", "$$", "=", "<", ">", ",", "[", "]", ":", "+", "-", "*", "/", "%", "&", "|", "^", "~", "(", ")", "!", "$"];

    public static List<Token> Tokenize(string line, int lineNo)
    {
        var tokens = new List<Token>();
        int i = 0;
        while (i < line.Length)
        {
            char c = line[i];
            if (char.IsWhiteSpace(c)) { i++; continue; }
            if (c == ';') break;
            int start = i;
            if (c == '\'' || c == '"' || c == '`')
            {
                var bytes = ReadString(line, ref i, lineNo);
                tokens.Add(new Token(TokenKind.String, line[start..i], start + 1, Bytes: bytes));
                continue;
            }
            // "$" directly followed by a digit is NASM's old hex prefix; "$name" escapes an identifier.
            if (c == '$' && i + 1 < line.Length && char.IsAsciiDigit(line[i + 1]))
            {
                i++;
                string digits = ReadWord(line, ref i);
                tokens.Add(new Token(TokenKind.Number, line[start..i], start + 1, ParseNumber("0x" + digits, lineNo, start + 1)));
                continue;
            }
            if (char.IsAsciiDigit(c))
            {
                string word = ReadWord(line, ref i);
                tokens.Add(new Token(TokenKind.Number, word, start + 1, ParseNumber(word, lineNo, start + 1)));
                continue;
            }
            if (IsIdentStart(c) || (c == '$' && i + 1 < line.Length && IsIdentStart(line[i + 1])))
            {
                if (c == '$') i++;
                string word = ReadWord(line, ref i);
                tokens.Add(new Token(TokenKind.Identifier, word, start + 1));
                continue;
            }
            string? p = Puncts.FirstOrDefault(s => string.CompareOrdinal(line, i, s, 0, s.Length) == 0);
            if (p is null) throw new AssemblyException(lineNo, start + 1, $"unexpected character '{c}'");
            tokens.Add(new Token(TokenKind.Punct, p, start + 1));
            i += p.Length;
        }
        tokens.Add(new Token(TokenKind.End, "", line.Length + 1));
        return tokens;
    }

    static bool IsIdentStart(char c) => char.IsAsciiLetter(c) || c is '_' or '.' or '?' or '@';
    internal static bool IsIdentChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '?' or '@' or '$' or '#' or '~';

    static string ReadWord(string line, ref int i)
    {
        int start = i;
        while (i < line.Length && IsIdentChar(line[i])) i++;
        return line[start..i];
    }

    /// <summary>NASM number forms: 0x10 0h10 10h, 0b101 0y101 101b 101y, 0o17 0q17 17o 17q, 0d10 10d, and '_' separators.</summary>
    public static long ParseNumber(string text, int lineNo, int column)
    {
        string s = text.Replace("_", "").ToLowerInvariant();
        ulong? v = null;
        if (s.Length > 2 && s[0] == '0' && char.IsAsciiLetter(s[1]))
            v = s[1] switch
            {
                'x' or 'h' => Parse(s[2..], 16),
                'b' or 'y' => Parse(s[2..], 2),
                'o' or 'q' => Parse(s[2..], 8),
                'd' or 't' => Parse(s[2..], 10),
                _ => null,
            };
        if (v is null && s.Length > 1)
            v = s[^1] switch
            {
                'h' or 'x' => Parse(s[..^1], 16),
                'b' or 'y' => Parse(s[..^1], 2),
                'o' or 'q' => Parse(s[..^1], 8),
                'd' or 't' => Parse(s[..^1], 10),
                _ => null,
            };
        v ??= Parse(s, 10);
        if (v is null) throw new AssemblyException(lineNo, column, $"bad number '{text}'");
        return unchecked((long)v.Value);
    }

    static ulong? Parse(string digits, int radix)
    {
        if (digits.Length == 0) return null;
        ulong value = 0;
        foreach (char ch in digits)
        {
            int d = char.IsAsciiDigit(ch) ? ch - '0' : ch is >= 'a' and <= 'f' ? ch - 'a' + 10 : 99;
            if (d >= radix) return null;
            ulong next = unchecked(value * (ulong)radix + (ulong)d);
            if ((next - (ulong)d) / (ulong)radix != value) return null; // overflowed 64 bits
            value = next;
        }
        return value;
    }

    /// <summary>Reads a quoted string; only backquoted strings process C-style escapes, as in NASM.</summary>
    static byte[] ReadString(string line, ref int i, int lineNo)
    {
        char quote = line[i];
        int start = i++;
        var bytes = new List<byte>();
        while (true)
        {
            if (i >= line.Length) throw new AssemblyException(lineNo, start + 1, $"unterminated string, expected closing {quote}");
            char c = line[i];
            if (c == quote) { i++; break; }
            if (quote == '`' && c == '\\' && i + 1 < line.Length)
            {
                i++;
                char e = line[i++];
                switch (e)
                {
                    case 'n': bytes.Add(10); break;
                    case 't': bytes.Add(9); break;
                    case 'r': bytes.Add(13); break;
                    case '0' when !(i < line.Length && line[i] is >= '0' and <= '7'): bytes.Add(0); break;
                    case 'a': bytes.Add(7); break;
                    case 'b': bytes.Add(8); break;
                    case 'f': bytes.Add(12); break;
                    case 'v': bytes.Add(11); break;
                    case 'e': bytes.Add(27); break;
                    case 'x':
                        {
                            int n = 0, v = 0;
                            while (n < 2 && i < line.Length && char.IsAsciiHexDigit(line[i])) { v = v * 16 + Convert.ToInt32(line[i].ToString(), 16); i++; n++; }
                            bytes.Add((byte)v);
                            break;
                        }
                    case >= '0' and <= '7':
                        {
                            int v = e - '0', n = 1;
                            while (n < 3 && i < line.Length && line[i] is >= '0' and <= '7') { v = v * 8 + (line[i] - '0'); i++; n++; }
                            bytes.Add((byte)v);
                            break;
                        }
                    default: bytes.AddRange(Encoding.UTF8.GetBytes(e.ToString())); break;
                }
                continue;
            }
            bytes.AddRange(Encoding.UTF8.GetBytes(c.ToString()));
            i++;
        }
        return bytes.ToArray();
    }
}
