namespace VirtPS.Engine.Cpu;

internal struct AndOp : IAluOp { public static ulong Apply(ulong a, ulong b) => a & b; public static LazyOp Flags => LazyOp.Logic; public static bool WritesBack => true; }
