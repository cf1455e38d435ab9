namespace VirtPS.Engine.Cpu;

/// <summary>One ALU operation, as a type, so generic fast paths specialize per operation.</summary>
internal interface IAluOp
{
    static abstract ulong Apply(ulong a, ulong b);
    static abstract LazyOp Flags { get; }
    /// <summary>False for CMP and TEST, which only set flags.</summary>
    static abstract bool WritesBack { get; }
}
