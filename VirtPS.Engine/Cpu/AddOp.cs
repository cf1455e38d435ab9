namespace VirtPS.Engine.Cpu;

internal struct AddOp : IAluOp { public static ulong Apply(ulong a, ulong b) => a + b; public static LazyOp Flags => LazyOp.Add; public static bool WritesBack => true; }
