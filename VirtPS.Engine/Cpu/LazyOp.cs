using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using VirtPS.Engine.Memory;

namespace VirtPS.Engine.Cpu;

/// <summary>The arithmetic operation whose flags are pending (lazy flags: computed only when read).</summary>
internal enum LazyOp : byte { None, Add, Adc, Sub, Sbb, Logic, Inc, Dec }
