using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using VirtPS.Engine.Memory;

namespace VirtPS.Engine.Cpu;

/// <summary>What a linear-address access is for; decides the #PF error code bits (Intel SDM Vol. 3A, 4.7).</summary>
internal enum Access : byte { Read, Write, Execute }
