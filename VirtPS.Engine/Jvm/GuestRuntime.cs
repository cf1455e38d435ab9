using System.Globalization;
using System.Text;
using VirtPS.Engine.Asm;

namespace VirtPS.Engine.Jvm;

/// <summary>
/// The process VM's guest side: the source (in the project's assembly dialect) of a user program for the built-in
/// kernel that holds the bytecode interpreter, the runtime routines (print, concatenation, allocation, the Java
/// exceptions it raises), the linked program's lowered code, method table, vtables and constants, and an empty code
/// cache the compiler fills. The interpreter is guest code, not host code, so every bytecode it runs costs real guest
/// instructions (fetch, dispatch, the operation) that the VirtPS CPU retires and the cost model prices: "instructions per
/// bytecode" is measured, not assumed; and compiled code, which runs on the same CPU in the same process, is measured
/// by the same counter.
///
/// Conventions shared by interpreted and compiled code. Every value is a 64-bit slot (ints sign-extended, references
/// as addresses). A call pushes its argument values (the receiver first), calls through the callee's method-table cell
/// and gets the result in RAX; the callee pops the arguments. Callees keep RBX, RSI, RBP, R12 and R15. The interpreter
/// keeps its lowered-code pointer in RSI, its locals' base in RBX (local n at RBX + 8n), the method's info in R12, the
/// operand stack on RSP, and the count of bytecodes it has dispatched in R15. Memory: the image (code and constants) is
/// mapped read-only; mutable data (cells, counters, statics, the allocation pointer) lives at the start of the heap,
/// copied there from a template at start; objects are a vtable pointer and 8-byte fields, arrays a length and elements.
/// </summary>
public static class GuestRuntime
{
    /// <summary>Where the runtime's memory starts: the kernel's first mmap (Kernel.HeapBase). The Java stack comes first,
    /// growing down from <see cref="DataBase"/> towards HeapBase, below which nothing is mapped: a stack overflow is a page
    /// fault the kernel kills the process for, never a write over the heap. Then the runtime's data, then the heap.</summary>
    public const ulong HeapBase = 0x40400000;
    /// <summary>The Java stack's size (the kernel's own user stack is 16 KiB, too small for deep recursion).</summary>
    public const long JavaStackSize = 8L << 20;
    /// <summary>Where the runtime's data starts: the top of the Java stack.</summary>
    public const ulong DataBase = HeapBase + JavaStackSize;
    /// <summary>The heap's reservation: pages are touched (and backed) only as the program allocates.</summary>
    public const long HeapReserve = 256L << 20;
    /// <summary>Bytes reserved in the image for compiled code.</summary>
    public const int CodeCacheSize = 96 * 1024;
    /// <summary>The runtime's requests to the style's handler: SYSCALL with these numbers in RAX (see Styles.Application).</summary>
    public const int CompileRequest = 48, RuntimeExit = 49, RuntimeStart = 50;
    /// <summary>Offsets in a method's info record (in the image) and its mutable record (in the heap data).</summary>
    public const int InfoCode = 0, InfoArgs = 8, InfoLocals = 16, InfoIndex = 24, InfoRecord = 32, InfoArgMap = 40;
    public const int RecordCell = 0, RecordCount = 8, RecordLimit = 16, RecordSize = 24;

    /// <summary>Qwords of the buffer print formats numbers and characters in (20 digits, a sign and a newline fit).</summary>
    const int FormatBufferQwords = 4;

    /// <summary>Builds and assembles the guest program for <paramref name="program"/>, each method compiled once its
    /// invocations exceed <paramref name="jitThreshold"/>.
    /// <paramref name="textHelpers"/> is the text of the shared Lib/strings.asm (its append_dec formats numbers), which
    /// the caller reads: the built-in programs' sources are the Guests layer's.</summary>
    public static AssembledProgram Build(JavaProgram program, long jitThreshold, ulong origin, string textHelpers)
    {
        string source = Source(program, jitThreshold) + "\n" + textHelpers;
        return Assembler.Assemble(source, null, origin);
    }

    static string Hex(long v) => "0x" + v.ToString("X", CultureInfo.InvariantCulture);

    /// <summary>The dispatch sequence: fetch the next op <paramref name="advance"/> bytes on, count it, jump to its handler.</summary>
    static string Dispatch(int advance) => advance == 0
        ? "    movzx eax, byte [rsi]\n    inc r15\n    jmp [op_table + rax*8]\n"
        : $"    movzx eax, byte [rsi + {advance}]\n    add rsi, {advance}\n    inc r15\n    jmp [op_table + rax*8]\n";

    public static string Source(JavaProgram program, long jitThreshold)
    {
        var s = new StringBuilder();
        // ---- heap data layout (addresses fixed: the template is copied to DataBase) ----
        var data = new List<(string Name, string Init)>
        {
            ("heap_top", "0"),   // set below, once the layout is known
            ("heap_limit", Hex((long)HeapBase + HeapReserve - 4096)),
            ("bc_compiled", "0"),
            ("cell_abstract", "rt_abstract"),
            ("fmt_buf", "0"),
        };
        for (int k = 1; k < FormatBufferQwords; k++) data.Add(($"fmt_buf_{k}", "0"));
        foreach (var m in program.Methods)
        {
            data.Add(($"cell_{m.Index}", $"m{m.Index}_interp"));
            data.Add(($"cnt_{m.Index}", "0"));
            data.Add(($"lim_{m.Index}", Hex(jitThreshold)));
        }
        foreach (var (label, init) in program.Statics) data.Add((label, init));
        long dataBytes = 8L * data.Count;
        data[0] = ("heap_top", Hex((long)DataBase + ((dataBytes + 15) & ~15L)));
        for (int k = 0; k < data.Count; k++) s.Append($"{data[k].Name} equ {Hex((long)DataBase + 8L * k)}\n");
        s.Append($"DATA_QWORDS equ {data.Count}\n");

        // ---- start: heap, data, start marker, initializers, main, exit ----
        s.Append($"""
_start:
    mov eax, 4
    mov edi, {Hex(HeapReserve)}
    syscall
    lea rsp, [rax + {Hex(JavaStackSize)}]
    lea rdi, [rax + {Hex(JavaStackSize)}]
    lea rsi, [data_template]
    mov ecx, DATA_QWORDS
    rep movsq
    xor r15d, r15d
    mov eax, {RuntimeStart}
    syscall

""");
        foreach (var init in program.Initializers) s.Append($"    call [{JavaProgram.CellLabel(init)}]\n");
        s.Append($"""
    push 0
    call [{JavaProgram.CellLabel(program.Main)}]
    xor edi, edi
rt_exit:
    push rdi
    mov rdi, r15
    mov eax, {RuntimeExit}
    syscall
    pop rdi
    xor eax, eax
    syscall

""");
        s.Append(Routines);
        s.Append(Interpreter(program));

        // ---- per method: the interpreter's entry stub, its info record, its argument map, its lowered code ----
        foreach (var m in program.Methods)
        {
            s.Append($"m{m.Index}_interp:\n    mov r10d, minfo_{m.Index}\n    jmp interp_enter\n");
        }
        s.Append("align 8\n");
        foreach (var m in program.Methods)
        {
            s.Append($"minfo_{m.Index}: dq pc_{m.Index}, {m.ArgValues}, {Math.Max(1, m.MaxLocals)}, {m.Index}, cell_{m.Index}, argmap_{m.Index}\n");
            s.Append($"argmap_{m.Index}: dq {(m.ArgLocals.Length == 0 ? "0" : string.Join(", ", m.ArgLocals))}\n");
        }
        foreach (var m in program.Methods)
        {
            s.Append($"pc_{m.Index}:\n");
            foreach (var i in m.Prepared!) s.Append(Encode(i, m));
        }
        // ---- vtables: each slot is the address of the method's cell (a compiled method is reached through it too) ----
        s.Append("align 8\n");
        foreach (var c in program.Classes)
        {
            var vt = program.Vtable(c.Name);
            s.Append($"{JavaProgram.VtableLabel(c.Name)}: dq {(vt.Count == 0 ? "0" : string.Join(", ", vt.Select(m => m.IsAbstract ? "cell_abstract" : JavaProgram.CellLabel(m))))}\n");
        }
        // ---- constants: strings (length, UTF-8 bytes) and concatenation recipes ----
        foreach (var (label, text) in program.Strings) s.Append(StringData(label, text));
        foreach (var (label, text) in Messages) s.Append(StringData(label, text));
        foreach (var (label, bytes) in program.Recipes) s.Append($"{label}: db {string.Join(", ", bytes)}\n");
        s.Append("align 8\ndata_template:\n");
        foreach (var (_, init) in data) s.Append($"    dq {init}\n");
        s.Append($"align 4096\ncode_cache:\n    times {CodeCacheSize} db 0\ncode_cache_end:\n");
        return s.ToString();
    }

    static string StringData(string label, string text)
    {
        var b = Encoding.UTF8.GetBytes(text);
        return $"align 8\n{label}: dq {b.Length}\n" + (b.Length > 0 ? $"    db {string.Join(", ", b)}\n" : "");
    }

    static readonly (string, string)[] Messages =
    [
        ("s_null", "null"), ("s_true", "true"), ("s_false", "false"), ("s_nl", "\n"),
        ("s_npe", "Exception in thread \"main\" java.lang.NullPointerException"),
        ("s_div0", "Exception in thread \"main\" java.lang.ArithmeticException: / by zero"),
        ("s_oob", "Exception in thread \"main\" java.lang.ArrayIndexOutOfBoundsException: Index "),
        ("s_oob2", " out of bounds for length "),
        ("s_neg", "Exception in thread \"main\" java.lang.NegativeArraySizeException: "),
        ("s_oom", "Exception in thread \"main\" java.lang.OutOfMemoryError: Java heap space"),
        ("s_abstract", "Exception in thread \"main\" java.lang.AbstractMethodError"),
    ];

    /// <summary>One lowered instruction as data: its op byte and little-endian operands (branches relative to the op).</summary>
    static string Encode(PreparedInsn i, JavaMethod m)
    {
        string op = $"    db {(int)i.Op}";
        string Imm32() => i.Symbol ?? i.Imm.ToString(CultureInfo.InvariantCulture);
        string RelTo(int pc) => (m.Prepared!.First(t => t.Pc == pc).Offset - i.Offset).ToString(CultureInfo.InvariantCulture);
        string Rel() => RelTo(i.Target);
        return i.Op switch
        {
            PreparedOp.Const or PreparedOp.GetStatic or PreparedOp.PutStatic or PreparedOp.GetField or PreparedOp.PutField
                or PreparedOp.Invoke or PreparedOp.InvokeResult => $"{op}\n    dd {Imm32()}\n",
            PreparedOp.Goto or (>= PreparedOp.IfEq and <= PreparedOp.IfCmpLe) => $"{op}\n    dd {Rel()}\n",
            PreparedOp.Const64 => $"{op}\n    dq {i.Imm}\n",
            PreparedOp.New => $"{op}\n    dd {i.Symbol}, {i.Imm2}\n",
            PreparedOp.Load or PreparedOp.Store => $"{op}\n    dw {i.Imm}\n",
            PreparedOp.Iinc => $"{op}\n    dw {i.Imm}\n    dd {i.Imm2}\n",
            PreparedOp.InvokeVirtual or PreparedOp.InvokeVirtualResult => $"{op}\n    dd {i.Imm}\n    db {i.Imm2}\n",
            PreparedOp.Concat => $"{op}\n    dd {i.Symbol}\n    db {i.Imm2}\n",
            PreparedOp.Print => $"{op}, {i.Imm}, {i.Imm2}\n",
            PreparedOp.NewArray => $"{op}, {i.Imm2}\n",
            PreparedOp.Switch => $"{op}\n    dd {i.Keys.Length}, {Rel()}\n" + string.Concat(i.Keys.Select((k, n) => $"    dd {k}, {RelTo(i.KeyTargets[n])}\n")),
            _ => op + "\n",
        };
    }

    /// <summary>The condition code of a conditional branch op, for Jcc.</summary>
    internal static string Condition(PreparedOp op) => ((op - PreparedOp.IfEq) % 6) switch
    {
        0 => "e", 1 => "ne", 2 => "l", 3 => "ge", 4 => "g", _ => "le",
    };

    static string Interpreter(JavaProgram program)
    {
        var s = new StringBuilder();
        s.Append($"""
; interp_enter: R10 = the method's info; the caller's arguments above the return address.
interp_enter:
    mov rax, [r10 + {InfoRecord}]
    inc qword [rax + {RecordCount}]
    mov rcx, [rax + {RecordCount}]
    cmp rcx, [rax + {RecordLimit}]
    ja .compile
.run:
    push rbp
    mov rbp, rsp
    push rbx
    push rsi
    push r12
    mov r12, r10
    mov rcx, [r12 + {InfoLocals}]
    shl rcx, 3
    sub rsp, rcx
    mov rbx, rsp
    mov rcx, [r12 + {InfoArgs}]
    mov rdx, [r12 + {InfoArgMap}]
    lea rdi, [rbp + 8 + rcx*8]
.copy:
    test rcx, rcx
    jz .go
    mov rax, [rdi]
    mov r8, [rdx]
    mov [rbx + r8*8], rax
    sub rdi, 8
    add rdx, 8
    dec rcx
    jmp .copy
.go:
    mov rsi, [r12 + {InfoCode}]
{Dispatch(0)}.compile:
    push r10
    mov rdi, [r10 + {InfoIndex}]
    mov eax, {CompileRequest}
    syscall
    pop r10
    mov rcx, [r10 + {InfoRecord}]
    test rax, rax
    jz .refused
    mov [rcx + {RecordCell}], rax
    dec qword [rcx + {RecordCount}]       ; the compiled prologue counts this invocation
    jmp rax
.refused:
    mov qword [rcx + {RecordLimit}], -1
    jmp .run

""");
        var handlers = new Dictionary<PreparedOp, string>();
        void H(PreparedOp op, string body) => handlers[op] = body;
        H(PreparedOp.Nop, Dispatch(1));
        H(PreparedOp.Const, "    movsxd rax, dword [rsi + 1]\n    push rax\n" + Dispatch(5));
        H(PreparedOp.Const64, "    mov rax, [rsi + 1]\n    push rax\n" + Dispatch(9));
        H(PreparedOp.Load, "    movzx eax, word [rsi + 1]\n    push qword [rbx + rax*8]\n" + Dispatch(3));
        H(PreparedOp.Store, "    movzx eax, word [rsi + 1]\n    pop qword [rbx + rax*8]\n" + Dispatch(3));
        H(PreparedOp.Iinc, "    movzx eax, word [rsi + 1]\n    mov ecx, [rsi + 3]\n    add ecx, [rbx + rax*8]\n    movsxd rcx, ecx\n    mov [rbx + rax*8], rcx\n" + Dispatch(7));
        foreach (var (op, insn) in new[] { (PreparedOp.IAdd, "add eax, ecx"), (PreparedOp.ISub, "sub eax, ecx"), (PreparedOp.IMul, "imul eax, ecx"),
            (PreparedOp.IAnd, "and eax, ecx"), (PreparedOp.IOr, "or eax, ecx"), (PreparedOp.IXor, "xor eax, ecx"),
            (PreparedOp.IShl, "shl eax, cl"), (PreparedOp.IShr, "sar eax, cl"), (PreparedOp.IUShr, "shr eax, cl") })
            H(op, $"    pop rcx\n    pop rax\n    {insn}\n    movsxd rax, eax\n    push rax\n" + Dispatch(1));
        foreach (var (op, insn) in new[] { (PreparedOp.LAdd, "add"), (PreparedOp.LSub, "sub"), (PreparedOp.LAnd, "and"), (PreparedOp.LOr, "or"), (PreparedOp.LXor, "xor") })
            H(op, $"    pop rcx\n    {insn} [rsp], rcx\n" + Dispatch(1));
        H(PreparedOp.LMul, "    pop rcx\n    pop rax\n    imul rax, rcx\n    push rax\n" + Dispatch(1));
        foreach (var (op, insn) in new[] { (PreparedOp.LShl, "shl"), (PreparedOp.LShr, "sar"), (PreparedOp.LUShr, "shr") })
            H(op, $"    pop rcx\n    pop rax\n    {insn} rax, cl\n    push rax\n" + Dispatch(1));
        for (var op = PreparedOp.IfEq; op <= PreparedOp.IfCmpLe; op++)
        {
            string test = op <= PreparedOp.IfLe ? "    pop rax\n    test rax, rax\n" : "    pop rcx\n    pop rax\n    cmp rax, rcx\n";
            H(op, $"{test}    j{Condition(op)} .taken\n{Dispatch(5)}.taken:\n    movsxd rax, dword [rsi + 1]\n    add rsi, rax\n{Dispatch(0)}");
        }
        H(PreparedOp.Goto, "    movsxd rax, dword [rsi + 1]\n    add rsi, rax\n" + Dispatch(0));
        // Switch: [count][default][key, target]...: a linear search of the pairs, as lookupswitch is specified.
        H(PreparedOp.Switch, "    pop rax\n    mov ecx, [rsi + 1]\n    lea rdx, [rsi + 9]\n.next:\n    test ecx, ecx\n    jz .default\n    cmp eax, [rdx]\n    je .hit\n    add rdx, 8\n    dec ecx\n    jmp .next\n"
            + ".hit:\n    movsxd rax, dword [rdx + 4]\n    add rsi, rax\n" + Dispatch(0) + ".default:\n    movsxd rax, dword [rsi + 5]\n    add rsi, rax\n" + Dispatch(0));
        H(PreparedOp.ReturnValue, "    pop rax\n    jmp interp_return\n");
        H(PreparedOp.Return, "    jmp interp_return\n");
        H(PreparedOp.GetStatic, "    mov eax, [rsi + 1]\n    push qword [rax]\n" + Dispatch(5));
        H(PreparedOp.PutStatic, "    mov eax, [rsi + 1]\n    pop qword [rax]\n" + Dispatch(5));
        H(PreparedOp.GetField, "    movsxd rcx, dword [rsi + 1]\n    pop rax\n    test rax, rax\n    jz rt_npe\n    push qword [rax + rcx]\n" + Dispatch(5));
        H(PreparedOp.PutField, "    movsxd rcx, dword [rsi + 1]\n    pop rdx\n    pop rax\n    test rax, rax\n    jz rt_npe\n    mov [rax + rcx], rdx\n" + Dispatch(5));
        H(PreparedOp.Invoke, "    mov eax, [rsi + 1]\n    call [rax]\n" + Dispatch(5));
        H(PreparedOp.InvokeResult, "    mov eax, [rsi + 1]\n    call [rax]\n    push rax\n" + Dispatch(5));
        string virt = "    movzx ecx, byte [rsi + 5]\n    mov rax, [rsp + rcx*8]\n    test rax, rax\n    jz rt_npe\n    mov rax, [rax]\n    mov ecx, [rsi + 1]\n    mov rax, [rax + rcx]\n    call [rax]\n";
        H(PreparedOp.InvokeVirtual, virt + Dispatch(6));
        H(PreparedOp.InvokeVirtualResult, virt + "    push rax\n" + Dispatch(6));
        H(PreparedOp.New, "    mov ecx, [rsi + 1]\n    mov edx, [rsi + 5]\n    call rt_new\n    push rax\n" + Dispatch(9));
        H(PreparedOp.NewArray, "    movzx ecx, byte [rsi + 1]\n    pop rdx\n    call rt_newarray\n    push rax\n" + Dispatch(2));
        H(PreparedOp.Print, "    movzx ecx, byte [rsi + 1]\n    movzx edx, byte [rsi + 2]\n    pop rax\n    add rsp, 8\n    call rt_print\n" + Dispatch(3));
        foreach (var op in OpTemplates.Ops)
        {
            OpTemplates.TryGet(op, out var t);
            H(op, string.Concat(t.Body.Select(line => $"    {line}\n")) + Dispatch(1));
        }
        H(PreparedOp.Concat, "    mov eax, [rsi + 1]\n    call rt_concat\n    movzx ecx, byte [rsi + 5]\n    lea rsp, [rsp + rcx*8]\n    push rax\n" + Dispatch(6));

        s.Append($"""
interp_return:
    mov rcx, [r12 + {InfoArgs}]
    lea rsp, [rbp - 24]
    pop r12
    pop rsi
    pop rbx
    pop rbp
    pop rdx
    lea rsp, [rsp + rcx*8]
    jmp rdx

""");
        foreach (var op in Enum.GetValues<PreparedOp>())
            s.Append($"op_{op}:\n").Append(handlers[op]);
        s.Append("align 8\nop_table:\n");
        foreach (var op in Enum.GetValues<PreparedOp>()) s.Append($"    dq op_{op}\n");
        return s.ToString();
    }

    /// <summary>The runtime routines interpreted and compiled code share. They keep RBX, RSI, RBP, R12 and R15.</summary>
    const string Routines = """
; rt_idiv: RAX / RCX as ints (sign-extended): quotient RAX, remainder RDX. 64-bit IDIV of two sign-extended ints
; cannot overflow, and truncating the quotient gives Java's MIN_VALUE / -1 = MIN_VALUE (JLS 15.17.2).
rt_idiv:
    test rcx, rcx
    jz rt_div0
    cqo
    idiv rcx
    movsxd rax, eax
    movsxd rdx, edx
    ret
; rt_ldiv: RAX / RCX as longs; Long.MIN_VALUE / -1 would fault on IDIV, Java gives MIN_VALUE remainder 0.
rt_ldiv:
    test rcx, rcx
    jz rt_div0
    cmp rcx, -1
    je .minus1
    cqo
    idiv rcx
    ret
.minus1:
    neg rax
    xor edx, edx
    ret
; rt_lcmp: -1, 0 or 1 as RAX compares to RCX
rt_lcmp:
    cmp rax, rcx
    setg al
    setl cl
    sub al, cl
    movsx rax, al
    ret
; rt_check: RAX an array, RCX an index in bounds, else the Java exception
rt_check:
    test rax, rax
    jz rt_npe
    cmp rcx, [rax]
    jae .out
    ret
.out:
    mov rdx, [rax]
    jmp rt_aioobe
; rt_new: ECX = vtable, EDX = size: a zeroed object
rt_new:
    mov rax, [heap_top]
    add rdx, rax
    cmp rdx, [heap_limit]
    ja rt_oom
    mov [heap_top], rdx
    mov [rax], rcx
    ret
; rt_newarray: RDX = length, ECX = element size: a zeroed array
rt_newarray:
    test rdx, rdx
    js .negative
    mov rax, rdx
    imul rax, rcx
    add rax, 15
    and rax, -8
    mov r8, [heap_top]
    add rax, r8
    jc rt_oom
    cmp rax, [heap_limit]
    ja rt_oom
    mov [heap_top], rax
    mov [r8], rdx
    mov rax, r8
    ret
.negative:
    push rdx
    mov eax, s_neg
    xor ecx, ecx
    xor edx, edx
    call rt_print
    pop rax
    mov ecx, 1
    mov edx, 1
    call rt_print
    mov edi, 1
    jmp rt_exit
rt_aioobe:                      ; RCX = index, RDX = length
    push rdx
    push rcx
    mov eax, s_oob
    xor ecx, ecx
    xor edx, edx
    call rt_print
    pop rax
    mov ecx, 1
    xor edx, edx
    call rt_print
    mov eax, s_oob2
    xor ecx, ecx
    xor edx, edx
    call rt_print
    pop rax
    mov ecx, 1
    mov edx, 1
    call rt_print
    mov edi, 1
    jmp rt_exit
rt_npe:
    mov eax, s_npe
    jmp rt_throw
rt_div0:
    mov eax, s_div0
    jmp rt_throw
rt_oom:
    mov eax, s_oom
    jmp rt_throw
rt_abstract:
    mov eax, s_abstract
rt_throw:                       ; RAX = the message: printed as the JVM reports an uncaught exception, exit status 1
    xor ecx, ecx
    mov edx, 1
    call rt_print
    mov edi, 1
    jmp rt_exit

; fmt_dec: RAX as a signed decimal at RDI; RDI past it. Clobbers RAX, RCX, RDX, R8. The digits are the shared
; append_dec's (Guests/Programs/Lib/strings.asm, appended to the runtime).
fmt_dec:
    test rax, rax
    jns append_dec
    mov byte [rdi], 45
    inc rdi
    neg rax
    jmp append_dec

; text_of_bool: RAX = a boolean; RAX = the String "true" or "false".
; text_of: RAX = a String reference; RAX = it, or the String "null" for a null reference. Both keep every other register.
text_of_bool:
    test rax, rax
    mov eax, s_true
    jnz text_of
    mov eax, s_false
text_of:
    test rax, rax
    jnz .done
    mov eax, s_null
.done:
    ret

; put_char: the UTF-16 unit in EAX as UTF-8 at RDI; RDI past it. Clobbers RCX.
put_char:
    cmp eax, 0x80
    jae .two
    mov [rdi], al
    inc rdi
    ret
.two:
    cmp eax, 0x800
    jae .three
    mov ecx, eax
    shr ecx, 6
    or cl, 0xC0
    mov [rdi], cl
    and al, 0x3F
    or al, 0x80
    mov [rdi + 1], al
    add rdi, 2
    ret
.three:
    mov ecx, eax
    shr ecx, 12
    or cl, 0xE0
    mov [rdi], cl
    mov ecx, eax
    shr ecx, 6
    and cl, 0x3F
    or cl, 0x80
    mov [rdi + 1], cl
    and al, 0x3F
    or al, 0x80
    mov [rdi + 2], al
    add rdi, 3
    ret

; rt_print: RAX = the value, ECX = its kind (0 String, 1 int or long, 2 char, 3 boolean, 4 nothing),
; EDX = 1 to end the line (println). Writes with the kernel's write system call.
rt_print:
    push rsi
    push rbx
    mov ebx, edx
    mov edi, fmt_buf
    cmp ecx, 0
    je .string
    cmp ecx, 4
    je .newline
    cmp ecx, 3
    je .boolean
    cmp ecx, 2
    je .char
    call fmt_dec
    jmp .buffer
.char:
    call put_char
.buffer:
    test ebx, ebx
    jz .write
    mov byte [rdi], 10
    inc rdi
    xor ebx, ebx
.write:
    mov rsi, rdi
    mov edi, fmt_buf
    sub rsi, rdi
    mov eax, 1
    syscall
    jmp .newline
.boolean:
    call text_of_bool
    jmp .text
.string:
    call text_of
.text:
    lea rdi, [rax + 8]
    mov rsi, [rax]
    mov eax, 1
    syscall
.newline:
    test ebx, ebx
    jz .done
    mov edi, s_nl + 8
    mov esi, 1
    mov eax, 1
    syscall
.done:
    pop rbx
    pop rsi
    ret

; rt_concat: RAX = a recipe (see JavaProgram.Recipe); its arguments above the return address (the last on top).
; Returns a new string in RAX; the caller pops the arguments.
rt_concat:
    push rsi
    push rbx
    push r12
    mov rbx, rsp
    mov rsi, rax
    movzx r9d, byte [rsi]
    inc rsi
    mov r12, [heap_top]
    lea rdi, [r12 + 8]
.next:
    movzx eax, byte [rsi]
    inc rsi
    test eax, eax
    jz .done
    cmp eax, 1
    je .literal
    mov r10d, eax
    movzx ecx, byte [rsi]
    inc rsi
    mov edx, r9d
    sub edx, ecx
    dec edx
    mov rax, [rbx + 32 + rdx*8]
    cmp r10d, 2
    je .string
    cmp r10d, 4
    je .char
    cmp r10d, 5
    je .boolean
    call fmt_dec
    jmp .next
.char:
    call put_char
    jmp .next
.boolean:
    call text_of_bool
    jmp .text
.string:
    call text_of
.text:
    push rsi
    mov rcx, [rax]
    lea rsi, [rax + 8]
    rep movsb
    pop rsi
    jmp .next
.literal:
    mov ecx, [rsi]
    add rsi, 4
    rep movsb
    jmp .next
.done:
    mov rax, rdi
    sub rax, r12
    sub rax, 8
    mov [r12], rax
    add rdi, 7
    and rdi, -8
    cmp rdi, [heap_limit]
    ja rt_oom
    mov [heap_top], rdi
    mov rax, r12
    pop r12
    pop rbx
    pop rsi
    ret

""";
}
