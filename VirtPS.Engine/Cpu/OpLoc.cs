using System.Runtime.CompilerServices;
using Iced.Intel;

namespace VirtPS.Engine.Cpu;

/// <summary>Where an operand lives.</summary>
internal enum OpLoc : byte { None, Reg, Mem, Imm }
