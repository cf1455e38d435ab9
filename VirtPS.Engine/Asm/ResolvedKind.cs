using Iced.Intel;

namespace VirtPS.Engine.Asm;

internal enum ResolvedKind { Register, Memory, Immediate }
