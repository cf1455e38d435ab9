using System.Globalization;
using System.Text;

namespace VirtPS.Engine.Jvm;

/// <summary>
/// The baseline (template) compiler: one method's lowered bytecode to x86-64 source in the project's assembly dialect,
/// assembled into the guest's code cache. It follows the shared calling convention (see <see cref="GuestRuntime"/>), so
/// compiled and interpreted methods call each other freely through the method-table cells.
///
/// What makes it faster than the interpreter: no fetch or dispatch, operands as immediates, and the operand stack kept
/// virtual — constants and local loads are not pushed but remembered, and the instruction that consumes them folds them
/// into its own operands (<c>iload; iconst; if_icmpge</c> becomes <c>cmp qword [local], imm; jge</c>); the last result stays in
/// RAX. At a branch target, a branch and a call the virtual stack is written out, so every path meets the same machine
/// stack. The compiled code counts its own invocations (for Get-VMethod) and, per straight-line segment, the bytecodes it
/// stands for (for Measure-VGuest's per-bytecode figures).
/// </summary>
internal sealed class BaselineCompiler
{
    enum Kind { Stack, Const, Local, Reg }
    readonly record struct Item(Kind Kind, long Value = 0);

    readonly JavaMethod _m;
    readonly StringBuilder _s = new();
    readonly List<Item> _v = [];
    readonly HashSet<int> _targets;

    BaselineCompiler(JavaMethod m)
    {
        _m = m;
        _targets = m.Prepared!.SelectMany(i => i.KeyTargets.Append(i.Target)).Where(t => t >= 0).ToHashSet();
    }

    /// <summary>The assembly source of <paramref name="m"/>'s compiled form.</summary>
    public static string Compile(JavaMethod m) => new BaselineCompiler(m).Run();

    void E(string line) => _s.Append("    ").Append(line).Append('\n');
    static string N(long v) => v.ToString(CultureInfo.InvariantCulture);
    static bool Fits32(long v) => v == (int)v;

    string Loc(long j)
    {
        int k = Array.IndexOf(_m.ArgLocals, (int)j);
        return k >= 0 ? $"qword [rbp + {16 + 8 * (_m.ArgValues - 1 - k)}]" : $"qword [rbp - {8 * (j + 1)}]";
    }

    void Materialize(Item it)
    {
        switch (it.Kind)
        {
            case Kind.Const when Fits32(it.Value): E($"push {N(it.Value)}"); break;
            case Kind.Const: E($"mov r11, {N(it.Value)}"); E("push r11"); break;
            case Kind.Local: E($"push {Loc(it.Value)}"); break;
            case Kind.Reg: E("push rax"); break;
        }
    }

    /// <summary>Writes out every virtual item but the top <paramref name="keep"/>, bottom first (pushes keep RAX).</summary>
    void FlushBelow(int keep)
    {
        for (int k = 0; k < _v.Count - keep; k++)
            if (_v[k].Kind != Kind.Stack) { Materialize(_v[k]); _v[k] = new Item(Kind.Stack); }
    }
    void FlushAll() => FlushBelow(0);

    void Push(Item it)
    {
        if (_v.Count > 0 && _v[^1].Kind == Kind.Reg) FlushAll();
        _v.Add(it);
    }
    Item Pop() { var it = _v[^1]; _v.RemoveAt(_v.Count - 1); return it; }

    /// <summary>The top item as a second operand: an immediate, a local's slot, or RCX.</summary>
    string Operand(bool wide, bool allowImm = true)
    {
        var b = Pop();
        switch (b.Kind)
        {
            case Kind.Const when allowImm && Fits32(b.Value): return N(b.Value);
            case Kind.Const: E($"mov rcx, {N(b.Value)}"); break;
            case Kind.Local: return wide ? Loc(b.Value) : Loc(b.Value).Replace("qword", "dword");
            case Kind.Reg: E("mov rcx, rax"); break;
            default: E("pop rcx"); break;
        }
        return wide ? "rcx" : "ecx";
    }

    /// <summary>Pops the top item into RAX.</summary>
    void IntoRax()
    {
        var a = Pop();
        switch (a.Kind)
        {
            case Kind.Const: E($"mov rax, {N(a.Value)}"); break;
            case Kind.Local: E($"mov rax, {Loc(a.Value)}"); break;
            case Kind.Reg: break;
            default: E("pop rax"); break;
        }
    }

    string Run()
    {
        var code = _m.Prepared!;
        E("push rbp");
        E("mov rbp, rsp");
        // Arguments stay where the caller pushed them; only the other locals need room.
        if (_m.MaxLocals > _m.ArgSlots) E($"sub rsp, {8 * _m.MaxLocals}");
        E($"inc qword [cnt_{_m.Index}]");
        var counts = new List<int>();
        bool segmentStart = true, fellIn = false;
        for (int n = 0; n < code.Count; n++)
        {
            var i = code[n];
            if (_targets.Contains(i.Pc))
            {
                // Falling into a return that others jump to: return here (the jumpers get their own copy below).
                if (fellIn && i.Op is PreparedOp.Return or PreparedOp.ReturnValue)
                {
                    counts[^1]++;
                    Emit(i);
                }
                FlushAll();
                _s.Append($"L{i.Pc}:\n");
                _v.Clear();
                _v.AddRange(i.StackBefore.Select(_ => new Item(Kind.Stack)));
                segmentStart = true;
            }
            if (segmentStart)
            {
                _s.Append($"    add qword [bc_compiled], @@{counts.Count}@@\n");
                counts.Add(0);
                segmentStart = false;
            }
            counts[^1]++;
            // A goto to a return is that return (no jump, nothing written out).
            if (i.Op == PreparedOp.Goto && code.First(t => t.Pc == i.Target) is { Op: PreparedOp.Return or PreparedOp.ReturnValue } ret)
            {
                counts[^1]++;
                Emit(ret);
            }
            else Emit(i);
            segmentStart = EndsSegment(i.Op);
            fellIn = !segmentStart;
        }
        string text = _s.ToString();
        for (int c = 0; c < counts.Count; c++) text = text.Replace($"@@{c}@@", N(counts[c]));
        return text;
    }

    static bool EndsSegment(PreparedOp op) => op is (>= PreparedOp.IfEq and <= PreparedOp.Switch) or PreparedOp.Return or PreparedOp.ReturnValue;

    void Epilogue()
    {
        E("leave");
        E(_m.ArgValues > 0 ? $"ret {8 * _m.ArgValues}" : "ret");
    }

    void Emit(PreparedInsn i)
    {
        switch (i.Op)
        {
            case PreparedOp.Nop: return;
            case PreparedOp.Const when i.Symbol is null: case PreparedOp.Const64: Push(new Item(Kind.Const, i.Imm)); return;
            case PreparedOp.Const: FlushAll(); E($"push {i.Symbol}"); _v.Add(new Item(Kind.Stack)); return;
            case PreparedOp.Load: Push(new Item(Kind.Local, i.Imm)); return;
            case PreparedOp.Store:
            {
                if (_v.Take(_v.Count - 1).Any(x => x.Kind == Kind.Local && x.Value == i.Imm)) FlushBelow(1);
                var t = Pop();
                string dst = Loc(i.Imm);
                switch (t.Kind)
                {
                    case Kind.Const when Fits32(t.Value): E($"mov {dst}, {N(t.Value)}"); break;
                    case Kind.Const: E($"mov r11, {N(t.Value)}"); E($"mov {dst}, r11"); break;
                    case Kind.Local: E($"mov r11, {Loc(t.Value)}"); E($"mov {dst}, r11"); break;
                    case Kind.Reg: E($"mov {dst}, rax"); break;
                    default: E($"pop {dst}"); break;
                }
                return;
            }
            case PreparedOp.Iinc:
            {
                if (_v.Any(x => x.Kind == Kind.Local && x.Value == i.Imm)) FlushAll();
                string dst = Loc(i.Imm);
                E($"add {dst.Replace("qword", "dword")}, {i.Imm2}");
                E($"movsxd r11, {dst.Replace("qword", "dword")}");
                E($"mov {dst}, r11");
                return;
            }
            case PreparedOp.IAdd or PreparedOp.IMul when _v[^1].Kind == Kind.Reg:
            {
                // Commutative, the right operand already in RAX: the left one is the operand.
                Pop();
                string a = Operand(wide: false);
                E(i.Op == PreparedOp.IAdd ? $"add eax, {a}" : Fits32Text(a) ? $"imul eax, eax, {a}" : $"imul eax, {a}");
                E("movsxd rax, eax");
                _v.Add(new Item(Kind.Reg));
                return;
            }
            case PreparedOp.IAdd or PreparedOp.ISub or PreparedOp.IMul:
            {
                string b = Operand(wide: false);
                IntoRax();
                string op = i.Op == PreparedOp.IAdd ? "add" : i.Op == PreparedOp.ISub ? "sub" : "imul";
                E(op == "imul" && Fits32Text(b) ? $"imul eax, eax, {b}" : $"{op} eax, {b}");
                E("movsxd rax, eax");
                _v.Add(new Item(Kind.Reg));
                return;
            }
            case PreparedOp.IAnd or PreparedOp.IOr or PreparedOp.IXor or PreparedOp.LAdd or PreparedOp.LSub or PreparedOp.LAnd or PreparedOp.LOr or PreparedOp.LXor:
            {
                // and/or/xor of sign-extended ints stay sign-extended, so the 64-bit form serves both.
                string b = Operand(wide: true);
                IntoRax();
                string op = i.Op.ToString()[1..].ToLowerInvariant();
                E($"{op} rax, {b}");
                _v.Add(new Item(Kind.Reg));
                return;
            }
            case PreparedOp.LMul:
            {
                string b = Operand(wide: true);
                IntoRax();
                E(Fits32Text(b) ? $"imul rax, rax, {b}" : $"imul rax, {b}");
                _v.Add(new Item(Kind.Reg));
                return;
            }
            case PreparedOp.IShl or PreparedOp.IShr or PreparedOp.IUShr or PreparedOp.LShl or PreparedOp.LShr or PreparedOp.LUShr:
            {
                var c = Pop();
                switch (c.Kind)
                {
                    case Kind.Const: E($"mov ecx, {N(c.Value & 63)}"); break;
                    case Kind.Local: E($"mov rcx, {Loc(c.Value)}"); break;
                    case Kind.Reg: E("mov rcx, rax"); break;
                    default: E("pop rcx"); break;
                }
                IntoRax();
                bool wide = i.Op >= PreparedOp.LShl;
                string op = i.Op is PreparedOp.IShl or PreparedOp.LShl ? "shl" : i.Op is PreparedOp.IShr or PreparedOp.LShr ? "sar" : "shr";
                E($"{op} {(wide ? "rax" : "eax")}, cl");
                if (!wide) E("movsxd rax, eax");
                _v.Add(new Item(Kind.Reg));
                return;
            }
            case >= PreparedOp.IfEq and <= PreparedOp.IfLe:
            {
                FlushBelow(1);
                var a = Pop();
                string cc = GuestRuntime.Condition(i.Op);
                switch (a.Kind)
                {
                    case Kind.Const:
                        if (Holds(cc, a.Value, 0)) E($"jmp L{i.Target}");
                        return;
                    case Kind.Local: E($"cmp {Loc(a.Value)}, 0"); break;
                    case Kind.Reg: E("test rax, rax"); break;
                    default: E("pop rax"); E("test rax, rax"); break;
                }
                E($"j{cc} L{i.Target}");
                return;
            }
            case >= PreparedOp.IfCmpEq and <= PreparedOp.IfCmpLe:
            {
                FlushBelow(2);
                string cc = GuestRuntime.Condition(i.Op);
                var b = _v[^1];
                var a = _v[^2];
                if (a.Kind == Kind.Local && b.Kind == Kind.Const && Fits32(b.Value))
                {
                    Pop(); Pop();
                    E($"cmp {Loc(a.Value)}, {N(b.Value)}");
                }
                else
                {
                    string operand = Operand(wide: true);
                    IntoRax();
                    E($"cmp rax, {operand}");
                }
                E($"j{cc} L{i.Target}");
                return;
            }
            case PreparedOp.Goto: FlushAll(); E($"jmp L{i.Target}"); return;
            case PreparedOp.Switch:
                FlushBelow(1);
                IntoRax();
                for (int k = 0; k < i.Keys.Length; k++) { E($"cmp eax, {i.Keys[k]}"); E($"je L{i.KeyTargets[k]}"); }
                E($"jmp L{i.Target}");
                return;
            case PreparedOp.ReturnValue:
            {
                // What lies below the result is discarded with the frame: nothing is written out.
                var top = Pop();
                _v.Clear();
                _v.Add(top);
                IntoRax();
                Epilogue();
                return;
            }
            case PreparedOp.Return: Epilogue(); return;
            case PreparedOp.GetStatic:
                if (_v.Count > 0 && _v[^1].Kind == Kind.Reg) FlushAll();
                E($"mov rax, [{i.Symbol}]");
                _v.Add(new Item(Kind.Reg));
                return;
            case PreparedOp.PutStatic:
            {
                var t = Pop();
                switch (t.Kind)
                {
                    case Kind.Const when Fits32(t.Value): E($"mov qword [{i.Symbol}], {N(t.Value)}"); break;
                    case Kind.Reg: E($"mov [{i.Symbol}], rax"); break;
                    default: _v.Add(t); FlushAll(); _v.RemoveAt(_v.Count - 1); E($"pop qword [{i.Symbol}]"); break;
                }
                return;
            }
            case PreparedOp.Invoke or PreparedOp.InvokeResult:
                FlushAll();
                E($"call [{i.Symbol}]");
                Drop(i.Imm2);
                if (i.Op == PreparedOp.InvokeResult) _v.Add(new Item(Kind.Reg));
                return;
            case PreparedOp.InvokeVirtual or PreparedOp.InvokeVirtualResult:
                FlushAll();
                E($"mov rax, [rsp + {8 * i.Imm2}]");
                E("test rax, rax");
                E("jz rt_npe");
                E("mov rax, [rax]");
                E($"mov rax, [rax + {i.Imm}]");
                E("call [rax]");
                Drop(i.Imm2 + 1);
                if (i.Op == PreparedOp.InvokeVirtualResult) _v.Add(new Item(Kind.Reg));
                return;
        }
        // The rest run from the machine stack, as the interpreter's handlers do, without fetch or dispatch.
        FlushAll();
        var (pops, pushes, body) = OpTemplates.TryGet(i.Op, out var shared) ? shared : Template(i);
        Drop(pops);
        foreach (var line in body) E(line);
        for (int k = 0; k < pushes; k++) _v.Add(new Item(Kind.Stack));
    }

    void Drop(long n) { for (long k = 0; k < n; k++) _v.RemoveAt(_v.Count - 1); }

    static bool Fits32Text(string operand) => long.TryParse(operand, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _);

    static bool Holds(string cc, long a, long b) => cc switch
    {
        "e" => a == b, "ne" => a != b, "l" => a < b, "ge" => a >= b, "g" => a > b, _ => a <= b,
    };

    /// <summary>The operations with an operand (the rest are <see cref="OpTemplates"/>'): the interpreter's handlers read it
    /// from the instruction stream, compiled code has it as an immediate.</summary>
    static (int Pops, int Pushes, string[] Body) Template(PreparedInsn i) => i.Op switch
    {
        PreparedOp.GetField => (1, 1, ["pop rax", "test rax, rax", "jz rt_npe", $"push qword [rax + {i.Imm}]"]),
        PreparedOp.PutField => (2, 0, ["pop rdx", "pop rax", "test rax, rax", "jz rt_npe", $"mov [rax + {i.Imm}], rdx"]),
        PreparedOp.New => (0, 1, [$"mov ecx, {i.Symbol}", $"mov edx, {i.Imm2}", "call rt_new", "push rax"]),
        PreparedOp.NewArray => (1, 1, [$"mov ecx, {i.Imm2}", "pop rdx", "call rt_newarray", "push rax"]),
        PreparedOp.Print => (2, 0, ["pop rax", "add rsp, 8", $"mov ecx, {i.Imm}", $"mov edx, {i.Imm2}", "call rt_print"]),
        PreparedOp.Concat => (i.Imm2, 1, [$"mov eax, {i.Symbol}", "call rt_concat", $"add rsp, {8 * i.Imm2}", "push rax"]),
        _ => throw new InvalidOperationException($"no template for {i.Op}"),
    };
}
