namespace VirtPS.Engine.Cpu;

internal struct SubOp : IAluOp { public static ulong Apply(ulong a, ulong b) => a - b; public static LazyOp Flags => LazyOp.Sub; public static bool WritesBack => true; }
