using System.Text;

namespace VirtPS.Engine.Asm;

/// <summary>
/// One line that survives preprocessing: its number and text in the original source (for errors and
/// listings) and its tokens after <c>%define</c> expansion.
/// </summary>
internal sealed record SourceLine(int Number, string Text, List<Token> Tokens);
