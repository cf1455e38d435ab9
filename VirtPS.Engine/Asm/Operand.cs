using Iced.Intel;

namespace VirtPS.Engine.Asm;

internal abstract record Operand(Token At);
