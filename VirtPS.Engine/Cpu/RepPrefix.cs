using System.Runtime.CompilerServices;
using Iced.Intel;

namespace VirtPS.Engine.Cpu;

internal enum RepPrefix : byte { None, Rep, Repne }
