using Iced.Intel;

namespace VirtPS.Engine.Asm;

/// <summary>One item of a db/dw/dd/dq list: a string or an expression.</summary>
internal sealed record DataItem(byte[]? Text, Expr? Value);
