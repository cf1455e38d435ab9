namespace VirtPS.Engine.Jvm;

/// <summary>
/// The x86-64 bodies of the operations that take no operand from the instruction stream, and the Java stack values each
/// pops and pushes: the same code for the guest interpreter's handlers (<see cref="GuestRuntime"/>, followed by its
/// dispatch) and the compiler's templates (<see cref="BaselineCompiler"/>, with the virtual stack written out first).
/// The Java stack is the machine stack, one qword a value.
/// </summary>
internal static class OpTemplates
{
    static readonly Dictionary<PreparedOp, (int Pops, int Pushes, string[] Body)> Table = Build();

    /// <summary>The template of <paramref name="op"/>; false for an operation with an operand, or one each side codes its own way.</summary>
    public static bool TryGet(PreparedOp op, out (int Pops, int Pushes, string[] Body) template) => Table.TryGetValue(op, out template);

    /// <summary>Every operation with a shared template.</summary>
    public static IEnumerable<PreparedOp> Ops => Table.Keys;

    static Dictionary<PreparedOp, (int, int, string[])> Build()
    {
        var t = new Dictionary<PreparedOp, (int, int, string[])>
        {
            [PreparedOp.IDiv] = (2, 1, ["pop rcx", "pop rax", "call rt_idiv", "push rax"]),
            [PreparedOp.IRem] = (2, 1, ["pop rcx", "pop rax", "call rt_idiv", "push rdx"]),
            [PreparedOp.LDiv] = (2, 1, ["pop rcx", "pop rax", "call rt_ldiv", "push rax"]),
            [PreparedOp.LRem] = (2, 1, ["pop rcx", "pop rax", "call rt_ldiv", "push rdx"]),
            [PreparedOp.INeg] = (1, 1, ["pop rax", "neg eax", "movsxd rax, eax", "push rax"]),
            [PreparedOp.LNeg] = (1, 1, ["neg qword [rsp]"]),
            [PreparedOp.L2I] = (1, 1, ["movsxd rax, dword [rsp]", "mov [rsp], rax"]),
            [PreparedOp.I2B] = (1, 1, ["movsx rax, byte [rsp]", "mov [rsp], rax"]),
            [PreparedOp.I2C] = (1, 1, ["movzx eax, word [rsp]", "mov [rsp], rax"]),
            [PreparedOp.I2S] = (1, 1, ["movsx rax, word [rsp]", "mov [rsp], rax"]),
            [PreparedOp.LCmp] = (2, 1, ["pop rcx", "pop rax", "call rt_lcmp", "push rax"]),
            [PreparedOp.ArrayLength] = (1, 1, ["pop rax", "test rax, rax", "jz rt_npe", "push qword [rax]"]),
            [PreparedOp.Pop] = (1, 0, ["add rsp, 8"]),
            [PreparedOp.Pop2] = (2, 0, ["add rsp, 16"]),
            [PreparedOp.Dup] = (1, 2, ["push qword [rsp]"]),
            [PreparedOp.DupX1] = (2, 3, ["pop rax", "pop rcx", "push rax", "push rcx", "push rax"]),
            [PreparedOp.DupX2] = (3, 4, ["pop rax", "pop rcx", "pop rdx", "push rax", "push rdx", "push rcx", "push rax"]),
            [PreparedOp.Dup2] = (2, 4, ["push qword [rsp + 8]", "push qword [rsp + 8]"]),
            [PreparedOp.Swap] = (2, 2, ["pop rax", "pop rcx", "push rax", "push rcx"]),
            [PreparedOp.PrintLine] = (1, 0, ["add rsp, 8", "mov ecx, 4", "mov edx, 1", "call rt_print"]),
        };
        // Array elements (JVM spec 6.5 xaload/xastore): the bounds and null check, then the element at 8 + index * size.
        foreach (var (op, load) in new[] { (PreparedOp.IALoad, "movsxd rax, dword [rax + 8 + rcx*4]"), (PreparedOp.LALoad, "mov rax, [rax + 8 + rcx*8]"),
            (PreparedOp.BALoad, "movsx rax, byte [rax + 8 + rcx]"), (PreparedOp.CALoad, "movzx eax, word [rax + 8 + rcx*2]"),
            (PreparedOp.SALoad, "movsx rax, word [rax + 8 + rcx*2]"), (PreparedOp.AALoad, "mov rax, [rax + 8 + rcx*8]") })
            t[op] = (2, 1, ["pop rcx", "pop rax", "call rt_check", load, "push rax"]);
        foreach (var (op, store) in new[] { (PreparedOp.IAStore, "mov [rax + 8 + rcx*4], edx"), (PreparedOp.LAStore, "mov [rax + 8 + rcx*8], rdx"),
            (PreparedOp.BAStore, "mov [rax + 8 + rcx], dl"), (PreparedOp.CAStore, "mov [rax + 8 + rcx*2], dx"),
            (PreparedOp.SAStore, "mov [rax + 8 + rcx*2], dx"), (PreparedOp.AAStore, "mov [rax + 8 + rcx*8], rdx") })
            t[op] = (3, 0, ["pop rdx", "pop rcx", "pop rax", "call rt_check", store]);
        return t;
    }
}
