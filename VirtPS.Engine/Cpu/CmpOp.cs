namespace VirtPS.Engine.Cpu;

internal struct CmpOp : IAluOp { public static ulong Apply(ulong a, ulong b) => a - b; public static LazyOp Flags => LazyOp.Sub; public static bool WritesBack => false; }
