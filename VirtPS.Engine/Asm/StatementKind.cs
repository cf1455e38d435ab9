using Iced.Intel;

namespace VirtPS.Engine.Asm;

internal enum StatementKind { Empty, Instruction, Data, Reserve, Align, Equ, Bits, Default, Org, Ignored }
