namespace VirtPS.Engine.Cpu;

/// <summary>One ALU operation, as a type, so generic fast paths specialize per operation.</summary>
internal interface IAluOp
{
    static abstract ulong Apply(ulong a, ulong b);
    static abstract LazyOp Flags { get; }
    /// <summary>False for CMP and TEST, which only set flags.</summary>
    static abstract bool WritesBack { get; }
}

internal struct AddOp : IAluOp { public static ulong Apply(ulong a, ulong b) => a + b; public static LazyOp Flags => LazyOp.Add; public static bool WritesBack => true; }
internal struct OrOp : IAluOp { public static ulong Apply(ulong a, ulong b) => a | b; public static LazyOp Flags => LazyOp.Logic; public static bool WritesBack => true; }
internal struct AndOp : IAluOp { public static ulong Apply(ulong a, ulong b) => a & b; public static LazyOp Flags => LazyOp.Logic; public static bool WritesBack => true; }
internal struct SubOp : IAluOp { public static ulong Apply(ulong a, ulong b) => a - b; public static LazyOp Flags => LazyOp.Sub; public static bool WritesBack => true; }
internal struct XorOp : IAluOp { public static ulong Apply(ulong a, ulong b) => a ^ b; public static LazyOp Flags => LazyOp.Logic; public static bool WritesBack => true; }
internal struct CmpOp : IAluOp { public static ulong Apply(ulong a, ulong b) => a - b; public static LazyOp Flags => LazyOp.Sub; public static bool WritesBack => false; }
internal struct TestOp : IAluOp { public static ulong Apply(ulong a, ulong b) => a & b; public static LazyOp Flags => LazyOp.Logic; public static bool WritesBack => false; }
