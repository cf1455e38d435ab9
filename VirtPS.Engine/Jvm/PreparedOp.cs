namespace VirtPS.Engine.Jvm;

/// <summary>
/// The guest interpreter's instruction set: JVM bytecode after linking, with every constant-pool reference resolved to
/// an address, an offset or a slot and every operand little-endian (what HotSpot's rewriter calls "quickening"). One
/// lowered instruction per bytecode, so the interpreter's count is the bytecode count. The numbers index the
/// interpreter's handler table.
/// </summary>
public enum PreparedOp : byte
{
    Nop, Const, Const64, Load, Store, Iinc,
    IAdd, ISub, IMul, IDiv, IRem, INeg, IShl, IShr, IUShr, IAnd, IOr, IXor,
    LAdd, LSub, LMul, LDiv, LRem, LNeg, LShl, LShr, LUShr, LAnd, LOr, LXor,
    L2I, I2B, I2C, I2S, LCmp,
    IfEq, IfNe, IfLt, IfGe, IfGt, IfLe,
    IfCmpEq, IfCmpNe, IfCmpLt, IfCmpGe, IfCmpGt, IfCmpLe,
    Goto, Switch, Return, ReturnValue,
    GetStatic, PutStatic, GetField, PutField,
    Invoke, InvokeResult, InvokeVirtual, InvokeVirtualResult,
    New, NewArray, ArrayLength,
    IALoad, LALoad, BALoad, CALoad, SALoad, AALoad, IAStore, LAStore, BAStore, CAStore, SAStore, AAStore,
    Pop, Pop2, Dup, DupX1, DupX2, Dup2, Swap,
    Print, PrintLine, Concat,
}
