using System.Text;

namespace VirtPS.Engine.Asm;

/// <summary>One token of a source line. Column is 1-based, as reported in errors.</summary>
internal readonly record struct Token(TokenKind Kind, string Text, int Column, long Number = 0, byte[]? Bytes = null)
{
    public bool Is(string punct) => Kind == TokenKind.Punct && Text == punct;
    public bool IsWord(string word) => Kind == TokenKind.Identifier && string.Equals(Text, word, StringComparison.OrdinalIgnoreCase);
    public override string ToString() => Kind == TokenKind.End ? "end of line" : $"'{Text}'";
}
