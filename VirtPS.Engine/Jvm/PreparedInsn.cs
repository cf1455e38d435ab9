namespace VirtPS.Engine.Jvm;

/// <summary>One lowered bytecode: its op, the JVM pc it came from, its operands (an immediate or a symbol of the guest
/// image, a second small operand, a branch target pc), and the operand-stack types the verifier proved before it
/// ('I' int, 'J' long, 'A' reference), which the baseline compiler lays its code out by.</summary>
internal sealed class PreparedInsn
{
    public PreparedOp Op;
    public int Pc;
    public long Imm;
    /// <summary>A label of the guest image the operand is (a static's slot, a method's cell, a string), or null.</summary>
    public string? Symbol;
    public int Imm2;
    public int Target = -1;
    /// <summary>A switch's keys and their target pcs; <see cref="Target"/> is its default.</summary>
    public int[] Keys = [], KeyTargets = [];
    public string StackBefore = "";
    /// <summary>Its offset in the method's lowered code.</summary>
    public int Offset;

    /// <summary>Encoded length in the interpreter's code: one opcode byte and the operands.</summary>
    public int Length => Op switch
    {
        PreparedOp.Const or PreparedOp.GetStatic or PreparedOp.PutStatic or PreparedOp.GetField or PreparedOp.PutField
            or PreparedOp.Invoke or PreparedOp.InvokeResult or PreparedOp.Goto or (>= PreparedOp.IfEq and <= PreparedOp.IfCmpLe) => 5,
        PreparedOp.Const64 or PreparedOp.New => 9,
        PreparedOp.Load or PreparedOp.Store or PreparedOp.Print => 3,
        PreparedOp.Iinc => 7,
        PreparedOp.InvokeVirtual or PreparedOp.InvokeVirtualResult or PreparedOp.Concat => 6,
        PreparedOp.NewArray => 2,
        PreparedOp.Switch => 9 + 8 * Keys.Length,
        _ => 1,
    };
}
