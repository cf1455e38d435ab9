namespace VirtPS.Engine.Jvm;

/// <summary>
/// Verifies one method's code for what the interpreter and the compiler rely on, and lowers it to
/// <see cref="PreparedInsn"/>s. Verification (JVM spec SE 17, 4.9 and 4.10, the parts relied on): every instruction is one
/// this JVM implements (anything else is refused by its mnemonic, BytecodeUnsupported); instructions do not run off the
/// code; branch targets fall on instruction boundaries; local indexes are below max_locals; a dataflow pass over the
/// control-flow graph gives every instruction one operand-stack shape (types 'I', 'J', 'A'), never deeper than max_stack
/// (counted in the spec's units: a long is two), never popped below empty, with operand types as each instruction
/// needs; no path falls off the end. Violations are BytecodeVerifyFailed.
/// </summary>
internal sealed class MethodPreparer(JavaProgram program, ClassFile cls, JavaMethod method)
{
    sealed class Decoded
    {
        public int Pc, Op, Length, Index, Value, Target = -1;
        /// <summary>A switch's keys and their targets (its default is <see cref="Target"/>).</summary>
        public int[] Keys = [], KeyTargets = [];
        public string Pops = "", Pushes = "";
        public bool Ends;   // no fall-through (goto, return)
    }

    readonly byte[] _code = method.Code!;
    readonly Dictionary<int, Decoded> _at = [];

    VirtPSException Verify(int pc, string what) =>
        new(ErrorIds.BytecodeVerifyFailed, ErrorKind.InvalidData, $"{method} fails verification at pc {pc}: {what}.", method.ToString());

    VirtPSException Unsupported(int pc, string what) =>
        new(ErrorIds.BytecodeUnsupported, ErrorKind.InvalidData, $"{method} uses {what} at pc {pc}, which this JVM does not implement.", what);

    public List<PreparedInsn> Prepare()
    {
        // Decode linearly: every instruction boundary (an opcode this JVM lacks is refused here, by name).
        var order = new List<Decoded>();
        for (int pc = 0; pc < _code.Length;)
        {
            var d = Decode(pc);
            order.Add(d); _at[pc] = d;
            pc += d.Length;
        }
        if (method.ExceptionTableLength > 0)
            throw Unsupported(0, "an exception table (try/catch or finally)");
        foreach (var d in order)
            foreach (int t in d.KeyTargets.Append(d.Target).Where(t => t >= 0))
                if (!_at.ContainsKey(t)) throw Verify(d.Pc, $"{Opcodes.Name(d.Op)} branches to {t}, not an instruction boundary");

        // Dataflow: the stack shape at each instruction, by a worklist over successors.
        var before = new Dictionary<int, string> { [0] = "" };
        var work = new Stack<int>();
        work.Push(0);
        while (work.Count > 0)
        {
            int pc = work.Pop();
            var d = _at[pc];
            string s = before[pc];
            string after = Apply(d, s);
            var next = new List<int>();
            if (d.Target >= 0) next.Add(d.Target);
            next.AddRange(d.KeyTargets);
            if (!d.Ends)
            {
                if (pc + d.Length >= _code.Length) throw Verify(pc, "execution falls off the end of the code");
                next.Add(pc + d.Length);
            }
            foreach (int n in next)
            {
                if (before.TryGetValue(n, out var known))
                {
                    if (known != after) throw Verify(n, $"the operand stack is [{known}] on one path and [{after}] on another");
                }
                else { before[n] = after; work.Push(n); }
            }
        }
        var result = new List<PreparedInsn>();
        foreach (var d in order)
        {
            if (!before.TryGetValue(d.Pc, out var s)) continue;   // unreachable code is not lowered
            result.Add(Lower(d, s));
        }
        return result;
    }

    static int Units(string s) => s.Sum(c => c == 'J' ? 2 : 1);

    string Apply(Decoded d, string s)
    {
        string pops = d.Pops;
        // The stack-manipulation instructions take their shapes from the categories on the stack (JVM spec 6.5, pop2, dup2, ...).
        if (d.Op is >= 0x57 and <= 0x5F) pops = StackShape(d, s);
        if (pops.Length > s.Length) throw Verify(d.Pc, $"{Opcodes.Name(d.Op)} pops {pops.Length} values from a stack of {s.Length}");
        for (int k = 0; k < pops.Length; k++)
        {
            char want = pops[k], have = s[s.Length - pops.Length + k];
            if (want != '*' && want != have) throw Verify(d.Pc, $"{Opcodes.Name(d.Op)} needs {TypeName(want)} but finds {TypeName(have)} on the stack");
        }
        string rest = s[..^pops.Length];
        string pushes = d.Op is >= 0x57 and <= 0x5F ? StackPushes(d.Op, s[^pops.Length..]) : d.Pushes;
        string after = rest + pushes;
        if (Units(after) > method.MaxStack) throw Verify(d.Pc, $"the operand stack grows to {Units(after)}, beyond max_stack {method.MaxStack}");
        if (d.Op is 0xAC or 0xAD or 0xB0) 
        {
            char ret = method.Return == 'V' ? '?' : method.Return;
            if (ret != pops[0]) throw Verify(d.Pc, $"{Opcodes.Name(d.Op)} in a method returning {method.Descriptor[(method.Descriptor.IndexOf(')') + 1)..]}");
        }
        if (d.Op == 0xB1 && method.Return != 'V') throw Verify(d.Pc, "return in a method that returns a value");
        return after;
    }

    static string TypeName(char c) => c switch { 'I' => "an int", 'J' => "a long", 'A' => "a reference", _ => "a value" };

    string StackShape(Decoded d, string s)
    {
        char Top(int k) => s.Length > k ? s[^(k + 1)] : throw Verify(d.Pc, $"{Opcodes.Name(d.Op)} on a stack of {s.Length}");
        bool Wide(int k) => Top(k) == 'J';
        return d.Op switch
        {
            0x57 when !Wide(0) => "*", 0x58 => Wide(0) ? "*" : "**",              // pop, pop2
            0x59 when !Wide(0) => "*", 0x5A when !Wide(0) && !Wide(1) => "**",    // dup, dup_x1
            0x5B when !Wide(0) => Wide(1) ? "**" : "***",                        // dup_x2
            0x5C => Wide(0) ? "*" : "**",                                         // dup2
            0x5D when Wide(0) && !Wide(1) => "**",                                // dup2_x1, form 2
            0x5F when !Wide(0) && !Wide(1) => "**",                               // swap
            _ => throw Unsupported(d.Pc, $"{Opcodes.Name(d.Op)} in this form"),
        };
    }

    static string StackPushes(int op, string taken) => op switch
    {
        0x57 or 0x58 => "",
        0x59 => taken + taken,
        0x5A => taken[1..] + taken,
        0x5B => taken[^1..] + taken,
        0x5C => taken + taken,
        0x5D => taken[^1..] + taken,
        0x5F => $"{taken[1]}{taken[0]}",
        _ => taken,
    };

    int U2(int at) => _code[at] << 8 | _code[at + 1];
    int S2(int at) => (short)U2(at);

    Decoded Decode(int pc)
    {
        int op = _code[pc];
        if (!Opcodes.Defined(op)) throw Verify(pc, $"undefined opcode 0x{op:X2}");
        var d = new Decoded { Pc = pc, Op = op };
        string name = Opcodes.Name(op);
        if (op == 0xC4) throw Unsupported(pc, name);   // wide
        d.Length = op is 0xAA or 0xAB ? Switch(d) : Opcodes.Length(_code, pc);
        if (d.Length < 0) throw Verify(pc, $"{name} runs past the end of the code");
        void Local(int index, bool wide)
        {
            if (index + (wide ? 1 : 0) >= method.MaxLocals) throw Verify(pc, $"{name} uses local {index}, beyond max_locals {method.MaxLocals}");
            d.Index = index;
        }
        switch (op)
        {
            case 0x00: break;
            case 0x01: d.Pushes = "A"; break;
            case >= 0x02 and <= 0x08: d.Value = op - 0x03; d.Pushes = "I"; break;
            case 0x09 or 0x0A: d.Value = op - 0x09; d.Pushes = "J"; break;
            case 0x10: d.Value = (sbyte)_code[pc + 1]; d.Pushes = "I"; break;
            case 0x11: d.Value = S2(pc + 1); d.Pushes = "I"; break;
            case 0x12 or 0x13 or 0x14:
            {
                d.Index = op == 0x12 ? _code[pc + 1] : U2(pc + 1);
                var e = cls.Pool.ElementAtOrDefault(d.Index);
                d.Pushes = (op, e.Tag) switch
                {
                    (0x14, ConstantPoolEntry.Long) => "J",
                    (not 0x14, ConstantPoolEntry.Integer) => "I",
                    (not 0x14, ConstantPoolEntry.String) => "A",
                    (_, ConstantPoolEntry.Float or ConstantPoolEntry.Double) => throw Unsupported(pc, $"{name} of a {(e.Tag == ConstantPoolEntry.Float ? "float" : "double")} constant (float and double are not implemented)"),
                    _ => throw Unsupported(pc, $"{name} of a {ClassFile.TagName(e.Tag)}"),
                };
                break;
            }
            case 0x15: Local(_code[pc + 1], false); d.Pushes = "I"; break;
            case 0x16: Local(_code[pc + 1], true); d.Pushes = "J"; break;
            case 0x19: Local(_code[pc + 1], false); d.Pushes = "A"; break;
            case >= 0x1A and <= 0x1D: Local(op - 0x1A, false); d.Pushes = "I"; break;
            case >= 0x1E and <= 0x21: Local(op - 0x1E, true); d.Pushes = "J"; break;
            case >= 0x2A and <= 0x2D: Local(op - 0x2A, false); d.Pushes = "A"; break;
            case 0x2E or 0x33 or 0x34 or 0x35: d.Pops = "AI"; d.Pushes = "I"; break;   // iaload baload caload saload
            case 0x2F: d.Pops = "AI"; d.Pushes = "J"; break;
            case 0x32: d.Pops = "AI"; d.Pushes = "A"; break;   // aaload
            case 0x36: Local(_code[pc + 1], false); d.Pops = "I"; break;
            case 0x37: Local(_code[pc + 1], true); d.Pops = "J"; break;
            case 0x3A: Local(_code[pc + 1], false); d.Pops = "A"; break;
            case >= 0x3B and <= 0x3E: Local(op - 0x3B, false); d.Pops = "I"; break;
            case >= 0x3F and <= 0x42: Local(op - 0x3F, true); d.Pops = "J"; break;
            case >= 0x4B and <= 0x4E: Local(op - 0x4B, false); d.Pops = "A"; break;
            case 0x4F or 0x54 or 0x55 or 0x56: d.Pops = "AII"; break;
            case 0x50: d.Pops = "AIJ"; break;
            case 0x53: d.Pops = "AIA"; break;   // aastore (no ArrayStoreException check: the verifier's types are not kept per element)
            case >= 0x57 and <= 0x5F when op != 0x5E: break;   // shapes from the stack
            case 0x60 or 0x64 or 0x68 or 0x6C or 0x70 or 0x78 or 0x7A or 0x7C or 0x7E or 0x80 or 0x82: d.Pops = "II"; d.Pushes = "I"; break;
            case 0x61 or 0x65 or 0x69 or 0x6D or 0x71 or 0x7F or 0x81 or 0x83: d.Pops = "JJ"; d.Pushes = "J"; break;
            case 0x79 or 0x7B or 0x7D: d.Pops = "JI"; d.Pushes = "J"; break;   // lshl lshr lushr: the count is an int
            case 0x74: d.Pops = "I"; d.Pushes = "I"; break;
            case 0x75: d.Pops = "J"; d.Pushes = "J"; break;
            case 0x84: Local(_code[pc + 1], false); d.Value = (sbyte)_code[pc + 2]; break;
            case 0x85: d.Pops = "I"; d.Pushes = "J"; break;
            case 0x88: d.Pops = "J"; d.Pushes = "I"; break;
            case 0x91 or 0x92 or 0x93: d.Pops = "I"; d.Pushes = "I"; break;
            case 0x94: d.Pops = "JJ"; d.Pushes = "I"; break;
            case >= 0x99 and <= 0x9E: d.Pops = "I"; d.Target = pc + S2(pc + 1); break;
            case >= 0x9F and <= 0xA4: d.Pops = "II"; d.Target = pc + S2(pc + 1); break;
            case 0xA5 or 0xA6: d.Pops = "AA"; d.Target = pc + S2(pc + 1); break;
            case 0xC6 or 0xC7: d.Pops = "A"; d.Target = pc + S2(pc + 1); break;
            case 0xA7: d.Target = pc + S2(pc + 1); d.Ends = true; break;
            case 0xAA or 0xAB: break;   // read by Switch
            case 0xAC: d.Pops = "I"; d.Ends = true; break;
            case 0xAD: d.Pops = "J"; d.Ends = true; break;
            case 0xB0: d.Pops = "A"; d.Ends = true; break;
            case 0xB1: d.Ends = true; break;
            case 0xB2 or 0xB3 or 0xB4 or 0xB5:
            {
                d.Index = U2(pc + 1);
                var (_, _, desc) = cls.MemberRef(d.Index);
                string t = JavaProgram.ValueType(desc, () => Unsupported(pc, $"{name} of a {desc} field (float and double are not implemented)")).ToString();
                (d.Pops, d.Pushes) = op switch { 0xB2 => ("", t), 0xB3 => (t, ""), 0xB4 => ("A", t), _ => ("A" + t, "") };
                break;
            }
            case 0xB6 or 0xB7 or 0xB8:
            {
                d.Index = U2(pc + 1);
                var (_, mname, desc) = cls.MemberRef(d.Index);
                var (args, ret) = JavaProgram.ParseDescriptor(desc, () => Unsupported(pc, $"{name} of {mname}{desc} (float and double are not implemented)"));
                d.Pops = (op == 0xB8 ? "" : "A") + args;
                d.Pushes = ret == 'V' ? "" : ret.ToString();
                break;
            }
            case 0xBA:
            {
                d.Index = U2(pc + 1);
                var e = cls.At(d.Index, ConstantPoolEntry.InvokeDynamic);
                var (_, desc) = cls.NameAndType(e.B);
                var (args, ret) = JavaProgram.ParseDescriptor(desc, () => Unsupported(pc, $"invokedynamic with {desc} (float and double are not implemented)"));
                d.Pops = args; d.Pushes = ret == 'V' ? "" : ret.ToString();
                break;
            }
            case 0xBB: d.Index = U2(pc + 1); d.Pushes = "A"; break;
            case 0xBC:
                d.Value = _code[pc + 1];
                if (d.Value is not (4 or 5 or 8 or 9 or 10 or 11))
                    throw Unsupported(pc, $"newarray of {(d.Value is 6 ? "float" : d.Value is 7 ? "double" : $"type {d.Value}")}");
                d.Pops = "I"; d.Pushes = "A";
                break;
            case 0xBD: d.Index = U2(pc + 1); d.Pops = "I"; d.Pushes = "A"; break;   // anewarray: references are 8 bytes
            case 0xBE: d.Pops = "A"; d.Pushes = "I"; break;
            default: throw Unsupported(pc, name);
        }
        return d;
    }

    /// <summary>tableswitch and lookupswitch (JVM spec 6.5): padding to a 4-byte boundary, the default, then a range of
    /// targets or sorted key-target pairs. Both become key-target pairs and a default; the length is returned.</summary>
    int Switch(Decoded d)
    {
        int pc = d.Pc, at = (pc + 4) & ~3;
        int S4(int k)
        {
            if (k + 4 > _code.Length) throw Verify(pc, $"{Opcodes.Name(d.Op)} runs past the end of the code");
            return _code[k] << 24 | _code[k + 1] << 16 | _code[k + 2] << 8 | _code[k + 3];
        }
        d.Target = pc + S4(at);
        var keys = new List<int>();
        var targets = new List<int>();
        if (d.Op == 0xAA)
        {
            int low = S4(at + 4), high = S4(at + 8);
            if (high < low || (long)high - low >= 65536) throw Verify(pc, $"tableswitch from {low} to {high}");
            for (int k = 0; k <= high - low; k++) { keys.Add(low + k); targets.Add(pc + S4(at + 12 + 4 * k)); }
            at += 12 + 4 * (high - low + 1);
        }
        else
        {
            int n = S4(at + 4);
            if (n < 0 || n >= 65536) throw Verify(pc, $"lookupswitch with {n} pairs");
            for (int k = 0; k < n; k++)
            {
                keys.Add(S4(at + 8 + 8 * k)); targets.Add(pc + S4(at + 12 + 8 * k));
                if (k > 0 && keys[k] <= keys[k - 1]) throw Verify(pc, "lookupswitch keys are not sorted");
            }
            at += 8 + 8 * n;
        }
        d.Keys = [.. keys]; d.KeyTargets = [.. targets];
        d.Pops = "I"; d.Ends = true;
        return at - pc;
    }

    PreparedInsn Lower(Decoded d, string s)
    {
        var p = new PreparedInsn { Pc = d.Pc, StackBefore = s, Target = d.Target, Keys = d.Keys, KeyTargets = d.KeyTargets };
        int op = d.Op;
        switch (op)
        {
            case 0x00 or 0x85: p.Op = PreparedOp.Nop; break;   // i2l: ints are kept sign-extended, so it is a no-op
            case 0x01: p.Op = PreparedOp.Const; p.Imm = 0; break;
            case >= 0x02 and <= 0x08 or 0x10 or 0x11: p.Op = PreparedOp.Const; p.Imm = d.Value; break;
            case 0x09 or 0x0A: p.Op = PreparedOp.Const; p.Imm = d.Value; break;
            case 0x12 or 0x13 or 0x14:
            {
                var e = cls.Pool[d.Index];
                if (e.Tag == ConstantPoolEntry.String) { p.Op = PreparedOp.Const; p.Symbol = program.StringLabel(cls.Utf8(e.A)); }
                else { p.Imm = e.Tag == ConstantPoolEntry.Integer ? (int)e.Value : e.Value; p.Op = p.Imm == (int)p.Imm ? PreparedOp.Const : PreparedOp.Const64; }
                break;
            }
            case 0x15 or 0x16 or 0x19 or (>= 0x1A and <= 0x21) or (>= 0x2A and <= 0x2D): p.Op = PreparedOp.Load; p.Imm = d.Index; break;
            case 0x36 or 0x37 or 0x3A or (>= 0x3B and <= 0x42) or (>= 0x4B and <= 0x4E): p.Op = PreparedOp.Store; p.Imm = d.Index; break;
            case 0x84: p.Op = PreparedOp.Iinc; p.Imm = d.Index; p.Imm2 = d.Value; break;
            case 0x2E: p.Op = PreparedOp.IALoad; break;
            case 0x2F: p.Op = PreparedOp.LALoad; break;
            case 0x33: p.Op = PreparedOp.BALoad; break;
            case 0x34: p.Op = PreparedOp.CALoad; break;
            case 0x35: p.Op = PreparedOp.SALoad; break;
            case 0x32: p.Op = PreparedOp.AALoad; break;
            case 0x53: p.Op = PreparedOp.AAStore; break;
            case 0xBD: p.Op = PreparedOp.NewArray; p.Imm2 = 8; break;
            case 0x4F: p.Op = PreparedOp.IAStore; break;
            case 0x50: p.Op = PreparedOp.LAStore; break;
            case 0x54: p.Op = PreparedOp.BAStore; break;
            case 0x55: p.Op = PreparedOp.CAStore; break;
            case 0x56: p.Op = PreparedOp.SAStore; break;
            case 0x57: p.Op = PreparedOp.Pop; break;
            case 0x58: p.Op = s[^1] == 'J' ? PreparedOp.Pop : PreparedOp.Pop2; break;
            case 0x59: p.Op = PreparedOp.Dup; break;
            case 0x5A: p.Op = PreparedOp.DupX1; break;
            case 0x5B: p.Op = s[^2] == 'J' ? PreparedOp.DupX1 : PreparedOp.DupX2; break;
            case 0x5C: p.Op = s[^1] == 'J' ? PreparedOp.Dup : PreparedOp.Dup2; break;
            case 0x5D: p.Op = PreparedOp.DupX1; break;
            case 0x5F: p.Op = PreparedOp.Swap; break;
            case 0x60: p.Op = PreparedOp.IAdd; break; case 0x61: p.Op = PreparedOp.LAdd; break;
            case 0x64: p.Op = PreparedOp.ISub; break; case 0x65: p.Op = PreparedOp.LSub; break;
            case 0x68: p.Op = PreparedOp.IMul; break; case 0x69: p.Op = PreparedOp.LMul; break;
            case 0x6C: p.Op = PreparedOp.IDiv; break; case 0x6D: p.Op = PreparedOp.LDiv; break;
            case 0x70: p.Op = PreparedOp.IRem; break; case 0x71: p.Op = PreparedOp.LRem; break;
            case 0x74: p.Op = PreparedOp.INeg; break; case 0x75: p.Op = PreparedOp.LNeg; break;
            case 0x78: p.Op = PreparedOp.IShl; break; case 0x79: p.Op = PreparedOp.LShl; break;
            case 0x7A: p.Op = PreparedOp.IShr; break; case 0x7B: p.Op = PreparedOp.LShr; break;
            case 0x7C: p.Op = PreparedOp.IUShr; break; case 0x7D: p.Op = PreparedOp.LUShr; break;
            case 0x7E: p.Op = PreparedOp.IAnd; break; case 0x7F: p.Op = PreparedOp.LAnd; break;
            case 0x80: p.Op = PreparedOp.IOr; break; case 0x81: p.Op = PreparedOp.LOr; break;
            case 0x82: p.Op = PreparedOp.IXor; break; case 0x83: p.Op = PreparedOp.LXor; break;
            case 0x88: p.Op = PreparedOp.L2I; break;
            case 0x91: p.Op = PreparedOp.I2B; break; case 0x92: p.Op = PreparedOp.I2C; break; case 0x93: p.Op = PreparedOp.I2S; break;
            case 0x94: p.Op = PreparedOp.LCmp; break;
            case >= 0x99 and <= 0x9E: p.Op = (PreparedOp)((int)PreparedOp.IfEq + op - 0x99); break;
            case >= 0x9F and <= 0xA4: p.Op = (PreparedOp)((int)PreparedOp.IfCmpEq + op - 0x9F); break;
            case 0xA5: p.Op = PreparedOp.IfCmpEq; break;
            case 0xA6: p.Op = PreparedOp.IfCmpNe; break;
            case 0xC6: p.Op = PreparedOp.IfEq; break;
            case 0xC7: p.Op = PreparedOp.IfNe; break;
            case 0xA7: p.Op = PreparedOp.Goto; break;
            case 0xAA or 0xAB: p.Op = PreparedOp.Switch; break;
            case 0xAC or 0xAD or 0xB0: p.Op = PreparedOp.ReturnValue; break;
            case 0xB1: p.Op = PreparedOp.Return; break;
            case 0xBC: p.Op = PreparedOp.NewArray; p.Imm2 = d.Value switch { 4 or 8 => 1, 5 or 9 => 2, 10 => 4, _ => 8 }; p.Imm = d.Value; break;
            case 0xBE: p.Op = PreparedOp.ArrayLength; break;
            default: program.LowerReference(cls, method, d.Op, d.Index, d.Pc, p); break;
        }
        return p;
    }
}
