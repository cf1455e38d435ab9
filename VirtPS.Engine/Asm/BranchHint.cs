using Iced.Intel;

namespace VirtPS.Engine.Asm;

internal enum BranchHint { None, Short, Near, Far }
