using System.Reflection;
using System.Reflection.Emit;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace VirtPS.Engine.Cpu;

/// <summary>
/// Compiles a translated block to IL (a <see cref="DynamicMethod"/>), the way a dynamic binary translator's back end
/// does (QEMU's TCG keeps guest registers in host registers between helper calls; see Bellard, "QEMU, a Fast and Portable
/// Dynamic Translator", USENIX 2005):
/// <list type="bullet">
/// <item>Guest registers live in IL locals across the block (the JIT puts them in host registers). They are written back
/// to the register file only where something can observe it: before a call to an instruction handler, on the slow path
/// of a memory access (which may fault or exit to the VMM), and at the block's exits.</item>
/// <item>Flags are lazy inside the block: the last flag-setting instruction's operands stay in locals with its operation
/// and width as constants, a Jcc computes just the condition it tests (<see cref="Processor.LazyCondition"/>, folded by
/// the JIT), and the record is stored only where it can be observed.</item>
/// <item>Memory accesses take the host page caches' hit path inline (<see cref="Processor.HostRead"/>); a miss goes to
/// the interpreter's own slow path, so TLB, page walks, faults and exits are exactly the interpreter's.</item>
/// <item>A block that branches back to its own start (a hot loop) and is compiled whole runs its passes inside the
/// compiled code: the budget check is once per back edge, and a pass that took a slow path returns to the run loop
/// (which then checks interrupts, events and timers as after any block).</item>
/// </list>
/// Every other instruction calls the interpreter's handler, so the two engines share their semantics; the inlined forms
/// call the same shared functions (<see cref="Semantics.ShiftLogical"/>, <see cref="Semantics.ImulTruncated"/>, the
/// <see cref="IAluOp"/> types, the lazy-flag functions) or are one IL operation.
/// </summary>
internal sealed unsafe class BlockCompiler
{
    /// <summary>At most this many passes of a loop per call, so the run loop still sees a stop request promptly.</summary>
    internal const int MaxPasses = 1 << 16;

    /// <summary>What a compiled block runs against: its instructions and its delegate callouts.</summary>
    internal sealed class Constants
    {
        public required Insn[] Insns;
        public required Action<Processor, Insn>[] Handlers;
        public required BlockTranslator Owner;
    }

    enum Kind : byte
    {
        Handler, Nop, MovRR64, MovRR32, MovRI, Lea64, AluRR, AluRI, AluRM, IncDecR, MovRM, MovMR, ShiftRI, Imul, Movzx, PushR, PopR,
        Jmp, Jcc, CallRel, Ret,
    }

    enum FlagState : byte { Processor, Lazy, Bits }

    readonly Block _b;
    readonly TranslatedBlock _t;
    readonly ILGenerator _il;
    readonly Insn[] _insns;
    readonly int _n;
    readonly Kind[] _kind;
    readonly MethodInfo?[] _handler;
    readonly bool _loop;
    readonly List<Action<Processor, Insn>> _delegates = [];
    readonly List<Action> _cold = [];

    // Register file slots 0..18 (the zero slot reads as the constant 0).
    readonly LocalBuilder?[] _reg = new LocalBuilder?[Processor.GsSlot + 1];
    readonly byte[] _state = new byte[Processor.GsSlot + 1];   // 0 in memory only, 1 in the local, 2 in the local and newer
    const byte InMemory = 0, Clean = 1, Dirty = 2;
    readonly LocalBuilder _regs, _fa, _fb, _fr, _fbits, _fcin, _la, _v;
    readonly LocalBuilder? _done, _limit, _slow;

    FlagState _flags = FlagState.Processor;
    LazyOp _fop;
    ulong _fmask;
    bool _fcinPending;

    public int Inlined { get; private set; }
    public int DirectCalls { get; private set; }
    public bool Loops => _loop;

    BlockCompiler(Block b, TranslatedBlock t, ILGenerator il)
    {
        _b = b; _t = t; _il = il; _insns = b.Insns; _n = _insns.Length;
        _kind = new Kind[_n];
        _handler = new MethodInfo?[_n];
        for (int k = 0; k < _n; k++)
        {
            var step = t.Steps[k];
            if (step.IsCallout) continue;
            _handler[k] = Handlers.Find((nint)step.Function);
            _kind[k] = _handler[k] is { } h ? Classify(h, _insns[k]) : Kind.Handler;
            // A transfer is only inlined as the block's last instruction (where it always is).
            if (_kind[k] is Kind.Jmp or Kind.Jcc or Kind.CallRel or Kind.Ret && k != _n - 1) _kind[k] = Kind.Handler;
        }
        var last = _insns[_n - 1];
        _loop = _kind[_n - 1] is Kind.Jmp or Kind.Jcc && last.Target == b.Start && Array.TrueForAll(_kind, x => x != Kind.Handler);

        _regs = il.DeclareLocal(typeof(ulong).MakeByRefType());
        _fa = il.DeclareLocal(typeof(ulong)); _fb = il.DeclareLocal(typeof(ulong)); _fr = il.DeclareLocal(typeof(ulong));
        _fbits = il.DeclareLocal(typeof(ulong)); _fcin = il.DeclareLocal(typeof(bool));
        _la = il.DeclareLocal(typeof(ulong)); _v = il.DeclareLocal(typeof(ulong));
        if (_loop)
        {
            _done = il.DeclareLocal(typeof(int)); _limit = il.DeclareLocal(typeof(long)); _slow = il.DeclareLocal(typeof(bool));
        }
    }

    /// <summary>Compiles <paramref name="b"/> in its translated form <paramref name="t"/> (callouts included).</summary>
    internal static CompiledBlock Compile(BlockTranslator owner, Block b, TranslatedBlock t, out int inlined, out int directCalls, out bool loops)
    {
        var dm = new DynamicMethod($"block_{b.Start:x}", typeof(int), [typeof(Constants), typeof(Processor), typeof(long)],
            typeof(BlockCompiler).Module, skipVisibility: true);
        var c = new BlockCompiler(b, t, dm.GetILGenerator());
        c.Emit();
        inlined = c.Inlined; directCalls = c.DirectCalls; loops = c.Loops;
        var consts = new Constants { Insns = b.Insns, Handlers = [.. c._delegates], Owner = owner };
        return (CompiledBlock)dm.CreateDelegate(typeof(CompiledBlock), consts);
    }

    // ---------------------------------------------------------------- the block

    void Emit()
    {
        // The index starts at 0, so even a defect in a handler that "cannot fault" is charged inside this block.
        Store(IndexField, () => _il.Emit(OpCodes.Ldc_I4_0));
        Store(DoneField, () => _il.Emit(OpCodes.Ldc_I4_0));
        _il.Emit(OpCodes.Ldarg_1); _il.Emit(OpCodes.Ldfld, RField); _il.Emit(OpCodes.Call, DataRef); _il.Emit(OpCodes.Stloc, _regs);

        var head = _il.DefineLabel();
        if (_loop)
        {
            // Every register the loop uses is loaded once; those it writes count as newer throughout (they are after
            // the first pass), so every exit and slow path stores them.
            foreach (int r in Used()) { Load(r); _state[r] = Written(r) ? Dirty : Clean; }
            if (_kind.Contains(Kind.IncDecR))
            {
                _il.Emit(OpCodes.Ldarg_1); _il.Emit(OpCodes.Ldfld, FCinField); _il.Emit(OpCodes.Stloc, _fcin);
                _fcinPending = true;
            }
            _il.Emit(OpCodes.Ldc_I4_0); _il.Emit(OpCodes.Stloc, _done!);
            // limit = min(room, MaxPasses × n)
            _il.Emit(OpCodes.Ldarg_2); Const((ulong)MaxPasses * (ulong)_n);
            _il.Emit(OpCodes.Call, typeof(Math).GetMethod(nameof(Math.Min), [typeof(long), typeof(long)])!);
            _il.Emit(OpCodes.Stloc, _limit!);
            _il.MarkLabel(head);
            _il.Emit(OpCodes.Ldc_I4_0); _il.Emit(OpCodes.Stloc, _slow!);
        }

        for (int k = 0; k < _n; k++)
        {
            if (_kind[k] == Kind.Handler) { EmitCall(k); continue; }
            Inlined++;
            EmitInline(k, head);
        }
        if (_kind[_n - 1] is not (Kind.Jmp or Kind.Jcc)) Exit(_n);
        foreach (var c in _cold) c();
    }

    IEnumerable<int> Used()
    {
        var set = new SortedSet<int>();
        for (int k = 0; k < _n; k++)
        {
            var i = _insns[k];
            switch (_kind[k])
            {
                case Kind.MovRR64 or Kind.MovRR32 or Kind.AluRR: set.Add(i.R0); set.Add(i.R1); break;
                case Kind.Imul: set.Add(i.R0); set.Add(i.R1); break;
                case Kind.MovRI or Kind.AluRI or Kind.IncDecR or Kind.ShiftRI: set.Add(i.R0); break;
                case Kind.Lea64 or Kind.AluRM or Kind.MovRM: set.Add(i.R0); AddEa(set, i); break;
                case Kind.MovMR: set.Add(i.R1); AddEa(set, i); break;
                case Kind.Movzx: set.Add(i.R0); if (i.Loc1 == OpLoc.Reg) set.Add(i.R1); else AddEa(set, i); break;
                case Kind.PushR or Kind.PopR: set.Add(i.R0); set.Add(Rsp); break;
                case Kind.CallRel or Kind.Ret: set.Add(Rsp); break;
            }
        }
        set.Remove(Processor.ZeroSlot);
        return set;

        static void AddEa(SortedSet<int> s, Insn i) { s.Add(i.Base); s.Add(i.Index); s.Add(i.Seg); }
    }

    bool Written(int r)
    {
        for (int k = 0; k < _n; k++)
        {
            if (_insns[k].R0 == r && _kind[k] is Kind.MovRR64 or Kind.MovRR32 or Kind.MovRI or Kind.Lea64 or Kind.AluRR or Kind.AluRI
                    or Kind.AluRM or Kind.IncDecR or Kind.MovRM or Kind.ShiftRI or Kind.Imul or Kind.PopR or Kind.Movzx)
                return true;
            if (r == Rsp && _kind[k] is Kind.PushR or Kind.PopR or Kind.CallRel or Kind.Ret) return true;
        }
        return false;
    }

    const int Rsp = (int)Gpr.Rsp;

    /// <summary>Whether a pass of the loop can observe the flags before it sets them (then the back edge stores them).</summary>
    bool FlagsObservedFirst()
    {
        for (int k = 0; k < _n; k++)
            switch (_kind[k])
            {
                case Kind.AluRR or Kind.AluRI or Kind.ShiftRI or Kind.Imul: return false;
                case Kind.IncDecR or Kind.Jcc or Kind.AluRM or Kind.MovRM or Kind.MovMR or Kind.PushR or Kind.PopR:
                case Kind.Movzx when _insns[k].Loc1 == OpLoc.Mem:
                    return true;   // reads CF, or may take a slow path
            }
        return false;
    }

    static Kind Classify(MethodInfo h, Insn i)
    {
        bool wide = i.Size is 8 or 4;
        switch (h.Name)
        {
            case nameof(Semantics.Nop): return Kind.Nop;
            case nameof(Semantics.MovRR64): return Kind.MovRR64;
            case nameof(Semantics.MovRR32): return Kind.MovRR32;
            case nameof(Semantics.MovRI): return Kind.MovRI;
            case nameof(Semantics.Lea64): return Kind.Lea64;
            case nameof(Semantics.IncDecR): return Kind.IncDecR;
            case nameof(Semantics.MovRM64): case nameof(Semantics.MovRM32): return Kind.MovRM;
            case nameof(Semantics.MovMR64): case nameof(Semantics.MovMR32): return Kind.MovMR;
            case nameof(Semantics.Movzx): return wide && i.SrcSize is 1 or 2 && i.Loc1 is OpLoc.Reg or OpLoc.Mem ? Kind.Movzx : Kind.Handler;
            case nameof(Semantics.Jmp): return Kind.Jmp;
            case nameof(Semantics.Call): return Kind.CallRel;
            case nameof(Semantics.Ret): return Kind.Ret;
            case nameof(Semantics.PushOp): return i.Size == 8 && i.Loc0 == OpLoc.Reg ? Kind.PushR : Kind.Handler;
            case nameof(Semantics.PopOp): return i.Size == 8 && i.Loc0 == OpLoc.Reg ? Kind.PopR : Kind.Handler;
            case nameof(Semantics.Jz): case nameof(Semantics.Jnz): case nameof(Semantics.Jcc): return Kind.Jcc;
            case "AluRR" or "AluRI" or "AluRM":
                if (AluOpCode(h.GetGenericArguments()[0]) is null) return Kind.Handler;
                return h.Name switch { "AluRR" => Kind.AluRR, "AluRI" => Kind.AluRI, _ => wide ? Kind.AluRM : Kind.Handler };
            case nameof(Semantics.ShiftRI): return Kind.ShiftRI;
            case nameof(Semantics.ImulTrunc):
                return wide && i.Loc0 == OpLoc.Reg && i.Loc1 == OpLoc.Reg && i.Loc2 is OpLoc.Imm or OpLoc.None ? Kind.Imul : Kind.Handler;
            default: return Kind.Handler;
        }
    }

    static OpCode? AluOpCode(Type t) =>
        t == typeof(AddOp) ? OpCodes.Add : t == typeof(SubOp) || t == typeof(CmpOp) ? OpCodes.Sub
        : t == typeof(AndOp) || t == typeof(TestOp) ? OpCodes.And : t == typeof(OrOp) ? OpCodes.Or : t == typeof(XorOp) ? OpCodes.Xor : null;

    // ---------------------------------------------------------------- inlined forms

    void EmitInline(int k, Label head)
    {
        var i = _insns[k];
        ulong m = i.Mask;
        switch (_kind[k])
        {
            case Kind.Nop: break;
            case Kind.MovRR64: Set(i.R0, () => Get(i.R1)); break;
            case Kind.MovRR32: Set(i.R0, () => { Get(i.R1); Mask(0xFFFF_FFFF); }); break;
            case Kind.MovRI: Set(i.R0, () => Const(i.Imm)); break;
            case Kind.Lea64: Set(i.R0, () => Ea(i)); break;
            case Kind.AluRR: case Kind.AluRI: case Kind.AluRM:
            {
                // AluRR/AluRI/AluRM<T>: a = R0 & m; b = R1 & m, Imm or the memory operand; r = (a op b) & m.
                var t = _handler[k]!.GetGenericArguments()[0];
                if (_kind[k] == Kind.AluRM) { Read(k, () => Ea(i), i.Size); _il.Emit(OpCodes.Stloc, _fb); }
                Get(i.R0); Mask(m); _il.Emit(OpCodes.Stloc, _fa);
                if (_kind[k] == Kind.AluRR) { Get(i.R1); Mask(m); _il.Emit(OpCodes.Stloc, _fb); }
                else if (_kind[k] == Kind.AluRI) { Const(i.Imm); _il.Emit(OpCodes.Stloc, _fb); }
                _il.Emit(OpCodes.Ldloc, _fa); _il.Emit(OpCodes.Ldloc, _fb); _il.Emit(AluOpCode(t)!.Value); Mask(m);
                _il.Emit(OpCodes.Stloc, _fr);
                if ((bool)t.GetProperty(nameof(IAluOp.WritesBack))!.GetValue(null)!) Set(i.R0, () => _il.Emit(OpCodes.Ldloc, _fr));
                Lazy((LazyOp)t.GetProperty(nameof(IAluOp.Flags))!.GetValue(null)!, m);
                break;
            }
            case Kind.IncDecR:
            {
                // IncDecR: INC and DEC keep CF, which the record carries as its carry-in.
                bool inc = i.Op == 0;
                CarryFlag(); _il.Emit(OpCodes.Stloc, _fcin);
                Get(i.R0); Mask(m); _il.Emit(OpCodes.Stloc, _fa);
                Const(1); _il.Emit(OpCodes.Stloc, _fb);
                _il.Emit(OpCodes.Ldloc, _fa); Const(1); _il.Emit(inc ? OpCodes.Add : OpCodes.Sub); Mask(m); _il.Emit(OpCodes.Stloc, _fr);
                Set(i.R0, () => _il.Emit(OpCodes.Ldloc, _fr));
                Lazy(inc ? LazyOp.Inc : LazyOp.Dec, m);
                _fcinPending = true;
                break;
            }
            case Kind.MovRM:
                Access(k, () => Ea(i), i.Size, write: false);
                Set(i.R0, () => _il.Emit(OpCodes.Ldloc, _v));
                break;
            case Kind.MovMR:
                Get(i.R1); if (i.Size == 4) Mask(0xFFFF_FFFF); _il.Emit(OpCodes.Stloc, _v);
                Write(k, () => Ea(i), i.Size);
                break;
            case Kind.Movzx:
                // Movzx: the byte or word source (AH..BH through Shift1), zero-extended.
                if (i.Loc1 == OpLoc.Mem) { Access(k, () => Ea(i), i.SrcSize, write: false); }
                else
                {
                    Get(i.R1);
                    if (i.Shift1 != 0) { _il.Emit(OpCodes.Ldc_I4, i.Shift1); _il.Emit(OpCodes.Shr_Un); }
                    Mask(i.SrcSize == 1 ? 0xFFUL : 0xFFFFUL);
                    _il.Emit(OpCodes.Stloc, _v);
                }
                Set(i.R0, () => _il.Emit(OpCodes.Ldloc, _v));
                break;
            case Kind.PushR:
                // PushOp: the store at RSP-8 first, then RSP (a faulting push leaves RSP alone).
                Get(i.R0); _il.Emit(OpCodes.Stloc, _v);
                Push(k);
                break;
            case Kind.PopR:
                // PopOp: RSP += 8, then the register (so POP RSP loads the popped value).
                Pop(k, 0);
                Set(i.R0, () => _il.Emit(OpCodes.Ldloc, _v));
                break;
            case Kind.CallRel:
                // Call: push the return address, jump, count the near call.
                Const(i.NextIp); _il.Emit(OpCodes.Stloc, _v);
                Push(k);
                Count(NearCallsField);
                SetIp(i.Target);
                break;
            case Kind.Ret:
                // Ret: pop RIP, release imm16 bytes, count the near return.
                Pop(k, i.Imm);
                Count(NearReturnsField);
                Store(IpField, () => _il.Emit(OpCodes.Ldloc, _v));
                break;
            case Kind.ShiftRI:
            {
                int c = (int)i.Imm & (i.Size == 8 ? 0x3F : 0x1F);
                if (c == 0) { Set(i.R0, () => { Get(i.R0); Mask(m); }); break; }   // no flags change; a 32-bit register still zero-extends
                Set(i.R0, () =>
                {
                    _il.Emit(OpCodes.Ldc_I4, i.Op); Get(i.R0); Mask(m); _il.Emit(OpCodes.Ldc_I4, c); _il.Emit(OpCodes.Ldc_I4, i.Size); Const(m);
                    _il.Emit(OpCodes.Ldloca, _fbits); _il.Emit(OpCodes.Call, ShiftLogical);
                });
                Bits();
                break;
            }
            case Kind.Imul:
                Set(i.R0, () =>
                {
                    if (i.Loc2 == OpLoc.Imm) { Get(i.R1); Mask(m); Const(i.Imm); }
                    else { Get(i.R0); Mask(m); Get(i.R1); Mask(m); }
                    _il.Emit(OpCodes.Ldc_I4, i.Size); Const(m);
                    _il.Emit(OpCodes.Ldloca, _fbits); _il.Emit(OpCodes.Call, ImulTruncated);
                });
                Bits();
                break;
            case Kind.Jmp:
                Transfer(i, head, taken: null);
                break;
            case Kind.Jcc:
            {
                int cc = _handler[k]!.Name switch { nameof(Semantics.Jz) => 4, nameof(Semantics.Jnz) => 5, _ => i.Op };
                Transfer(i, head, taken: () => Condition(cc));
                break;
            }
        }
    }

    /// <summary>The block's last instruction, a direct JMP or Jcc: the taken side sets RIP (or, in a loop, goes round
    /// again while the budget allows and no slow path was taken), the other falls through (RIP already holds it).</summary>
    void Transfer(Insn i, Label head, Action? taken)
    {
        var notTaken = _il.DefineLabel();
        if (taken != null) { taken(); _il.Emit(OpCodes.Brfalse, notTaken); }
        if (_loop)
        {
            // done += n; if (!slow && done + n <= limit) go round.
            _il.Emit(OpCodes.Ldloc, _done!); _il.Emit(OpCodes.Ldc_I4, _n); _il.Emit(OpCodes.Add); _il.Emit(OpCodes.Stloc, _done!);
            var leave = _il.DefineLabel();
            _il.Emit(OpCodes.Ldloc, _slow!); _il.Emit(OpCodes.Brtrue, leave);
            _il.Emit(OpCodes.Ldloc, _done!); _il.Emit(OpCodes.Ldc_I4, _n); _il.Emit(OpCodes.Add); _il.Emit(OpCodes.Conv_I8);
            _il.Emit(OpCodes.Ldloc, _limit!); _il.Emit(OpCodes.Bgt, leave);
            if (FlagsObservedFirst()) SpillFlags(hot: false);
            _il.Emit(OpCodes.Br, head);
            _il.MarkLabel(leave);
            SetIp(i.Target);
            SpillAll();
            _il.Emit(OpCodes.Ldloc, _done!); _il.Emit(OpCodes.Ret);
        }
        else
        {
            SetIp(i.Target);
            Exit(_n);
        }
        if (taken != null)
        {
            _il.MarkLabel(notTaken);
            Exit(_n);
        }
    }

    /// <summary>Leaves the compiled code after <paramref name="count"/> instructions of this pass: registers and flags
    /// stored, the instructions retired returned.</summary>
    void Exit(int count)
    {
        SpillAll();
        ReturnCount(count);
    }

    void ReturnCount(int count)
    {
        _il.Emit(OpCodes.Ldc_I4, count);
        if (_loop) { _il.Emit(OpCodes.Ldloc, _done!); _il.Emit(OpCodes.Add); }
        _il.Emit(OpCodes.Ret);
    }

    // ---------------------------------------------------------------- memory

    /// <summary>Leaves the value of a <paramref name="size"/>-byte read at the address <paramref name="address"/> pushes on
    /// the stack (the address stays in <see cref="_la"/>).</summary>
    void Read(int k, Action address, int size) { Access(k, address, size, write: false); _il.Emit(OpCodes.Ldloc, _v); }

    /// <summary>Writes <see cref="_v"/> (<paramref name="size"/> bytes) at the address <paramref name="address"/> pushes (kept
    /// in <see cref="_la"/>).</summary>
    void Write(int k, Action address, int size) => Access(k, address, size, write: true);

    /// <summary>One access through the host page caches: the hit inline (<see cref="Processor.HostRead"/> or
    /// <see cref="Processor.HostWrite"/>), the miss on a cold path at the method's end that stores the state and calls the
    /// interpreter's slow path. A read leaves its value in <see cref="_v"/>.</summary>
    void Access(int k, Action address, int size, bool write)
    {
        address(); _il.Emit(OpCodes.Stloc, _la);
        var ptr = _il.DeclareLocal(typeof(byte).MakeByRefType());
        var slow = _il.DefineLabel();
        var join = _il.DefineLabel();
        _il.Emit(OpCodes.Ldarg_1); _il.Emit(OpCodes.Ldloc, _la); _il.Emit(OpCodes.Ldc_I4, size); _il.Emit(OpCodes.Call, write ? HostWrite : HostRead);
        _il.Emit(OpCodes.Stloc, ptr);
        _il.Emit(OpCodes.Ldloc, ptr); _il.Emit(OpCodes.Call, IsNullRef); _il.Emit(OpCodes.Brtrue, slow);
        _il.Emit(OpCodes.Ldloc, ptr);
        if (write)
        {
            _il.Emit(OpCodes.Ldloc, _v);
            if (size == 8) { _il.Emit(OpCodes.Unaligned, (byte)1); _il.Emit(OpCodes.Stind_I8); }
            else { _il.Emit(OpCodes.Conv_U4); _il.Emit(OpCodes.Unaligned, (byte)1); _il.Emit(OpCodes.Stind_I4); }
        }
        else
        {
            _il.Emit(OpCodes.Unaligned, (byte)1);
            if (size == 8) _il.Emit(OpCodes.Ldind_I8);
            else { _il.Emit(size == 4 ? OpCodes.Ldind_U4 : size == 2 ? OpCodes.Ldind_U2 : OpCodes.Ldind_U1); _il.Emit(OpCodes.Conv_U8); }
            _il.Emit(OpCodes.Stloc, _v);
        }
        _il.MarkLabel(join);
        var spill = Snapshot();
        int n = _n;
        _cold.Add(() =>
        {
            _il.MarkLabel(slow);
            spill(); Where(k);
            _il.Emit(OpCodes.Ldarg_1); _il.Emit(OpCodes.Ldloc, _la); _il.Emit(OpCodes.Ldc_I4, size);
            if (!write) { _il.Emit(OpCodes.Call, ReadSlow); _il.Emit(OpCodes.Stloc, _v); _il.Emit(OpCodes.Br, join); return; }
            _il.Emit(OpCodes.Ldloc, _v); _il.Emit(OpCodes.Call, WriteSlow);
            // Only the slow path can reach a frame with decoded code on it (the write cache never holds one): a write that
            // changed guest code ends the block after the writing instruction, as in the interpreter.
            if (k < n - 1)
            {
                _il.Emit(OpCodes.Ldarg_1); _il.Emit(OpCodes.Ldfld, CodeChangedField); _il.Emit(OpCodes.Brfalse, join);
                ReturnCount(k + 1);   // registers and flags were stored above
            }
            else _il.Emit(OpCodes.Br, join);
        });
    }

    /// <summary>Pushes <see cref="_v"/>: the store at RSP-8, then RSP.</summary>
    void Push(int k)
    {
        Write(k, () => { Get(Rsp); Const(8); _il.Emit(OpCodes.Sub); }, 8);
        Set(Rsp, () => _il.Emit(OpCodes.Ldloc, _la));
    }

    /// <summary>Pops into <see cref="_v"/>: the load at RSP, then RSP += 8 + <paramref name="release"/>.</summary>
    void Pop(int k, ulong release)
    {
        Access(k, () => Get(Rsp), 8, write: false);
        Set(Rsp, () => { _il.Emit(OpCodes.Ldloc, _la); Const(8 + release); _il.Emit(OpCodes.Add); });
    }

    /// <summary>Records, on a slow path, which instruction is running (and, in a loop, what earlier passes retired) and
    /// that a slow path was taken.</summary>
    void Where(int k)
    {
        Store(IndexField, () => _il.Emit(OpCodes.Ldc_I4, k));
        if (_loop)
        {
            Store(DoneField, () => _il.Emit(OpCodes.Ldloc, _done!));
            _il.Emit(OpCodes.Ldc_I4_1); _il.Emit(OpCodes.Stloc, _slow!);
        }
    }

    // ---------------------------------------------------------------- handler calls

    void EmitCall(int k)
    {
        var step = _t.Steps[k];
        SpillAll(hot: true);
        Where(k);
        if (step.IsCallout)
        {
            // CalloutsExecuted++ (counted when made, whether or not the callout then faults).
            _il.Emit(OpCodes.Ldarg_0); _il.Emit(OpCodes.Ldfld, OwnerField); _il.Emit(OpCodes.Dup); _il.Emit(OpCodes.Ldfld, CalloutsField);
            _il.Emit(OpCodes.Ldc_I4_1); _il.Emit(OpCodes.Conv_I8); _il.Emit(OpCodes.Add); _il.Emit(OpCodes.Stfld, CalloutsField);
        }
        if (step.Handler != null)
        {
            _il.Emit(OpCodes.Ldarg_0); _il.Emit(OpCodes.Ldfld, HandlersField); _il.Emit(OpCodes.Ldc_I4, _delegates.Count); _il.Emit(OpCodes.Ldelem_Ref);
            _delegates.Add(step.Handler);
            Args(k);
            _il.Emit(OpCodes.Callvirt, InvokeHandler);
        }
        else
        {
            Args(k);
            if (_handler[k] is { } h) { _il.Emit(OpCodes.Call, h); DirectCalls++; }
            else
            {
                _il.Emit(OpCodes.Ldc_I8, (long)(nint)step.Function); _il.Emit(OpCodes.Conv_I);
                _il.EmitCalli(OpCodes.Calli, CallingConventions.Standard, typeof(void), HandlerArgs, null);
            }
        }
        // The handler may have read or written any register and the flags: the locals are stale now.
        Array.Clear(_state);
        _flags = FlagState.Processor;
        // A write that hit decoded code (self-modifying code) ends the block after the writing instruction.
        if (k < _n - 1)
        {
            var go = _il.DefineLabel();
            _il.Emit(OpCodes.Ldarg_1); _il.Emit(OpCodes.Ldfld, CodeChangedField); _il.Emit(OpCodes.Brfalse, go);
            ReturnCount(k + 1);
            _il.MarkLabel(go);
        }
    }

    void Args(int k)
    {
        _il.Emit(OpCodes.Ldarg_1);
        _il.Emit(OpCodes.Ldarg_0); _il.Emit(OpCodes.Ldfld, InsnsField); _il.Emit(OpCodes.Ldc_I4, k); _il.Emit(OpCodes.Ldelem_Ref);
    }

    // ---------------------------------------------------------------- registers

    void Local(int r) => _reg[r] ??= _il.DeclareLocal(typeof(ulong));

    void Load(int r)
    {
        Local(r);
        RegAddress(r); _il.Emit(OpCodes.Ldind_I8); _il.Emit(OpCodes.Stloc, _reg[r]!);
    }

    /// <summary>Pushes register slot <paramref name="r"/> (loading it into its local on first use).</summary>
    void Get(int r)
    {
        if (r == Processor.ZeroSlot) { Const(0); return; }
        if (_state[r] == InMemory) { Load(r); _state[r] = Clean; }
        _il.Emit(OpCodes.Ldloc, _reg[r]!);
    }

    void Set(int r, Action value)
    {
        Local(r);
        value();
        _il.Emit(OpCodes.Stloc, _reg[r]!);
        _state[r] = Dirty;
    }

    void RegAddress(int r)
    {
        _il.Emit(OpCodes.Ldloc, _regs);
        if (r != 0) { _il.Emit(OpCodes.Ldc_I4, r * sizeof(ulong)); _il.Emit(OpCodes.Add); }
    }

    /// <summary>Stores every register newer in its local than in the file, and the flags; on the hot path (before a
    /// handler call) they then count as stored.</summary>
    void SpillAll(bool hot = false)
    {
        for (int r = 0; r < _state.Length; r++)
        {
            if (_state[r] != Dirty) continue;
            RegAddress(r); _il.Emit(OpCodes.Ldloc, _reg[r]!); _il.Emit(OpCodes.Stind_I8);
            if (hot) _state[r] = Clean;
        }
        SpillFlags(hot);
    }

    /// <summary>The stores a slow path makes for the state at this point (the hot path's state is unchanged by them).</summary>
    Action Snapshot()
    {
        var state = (byte[])_state.Clone();
        var flags = (_flags, _fop, _fmask, _fcinPending);
        return () =>
        {
            var now = ((byte[])_state.Clone(), (_flags, _fop, _fmask, _fcinPending));
            state.CopyTo(_state, 0);
            (_flags, _fop, _fmask, _fcinPending) = flags;
            SpillAll();
            now.Item1.CopyTo(_state, 0);
            (_flags, _fop, _fmask, _fcinPending) = now.Item2;
        };
    }

    // ---------------------------------------------------------------- flags

    void Lazy(LazyOp op, ulong mask) { _flags = FlagState.Lazy; _fop = op; _fmask = mask; }

    void Bits() => _flags = FlagState.Bits;

    /// <summary>Stores the flag state where the interpreter keeps it: the lazy record (FOp, FA, FB, FRes, FMask, and FCin
    /// when an INC/DEC set it), or the computed status bits through <see cref="Processor.SetStatus"/>.</summary>
    void SpillFlags(bool hot)
    {
        switch (_flags)
        {
            case FlagState.Lazy:
                Store(FOpField, () => _il.Emit(OpCodes.Ldc_I4, (int)_fop));
                Store(FAField, () => _il.Emit(OpCodes.Ldloc, _fa));
                Store(FBField, () => _il.Emit(OpCodes.Ldloc, _fb));
                Store(FResField, () => _il.Emit(OpCodes.Ldloc, _fr));
                Store(FMaskField, () => Const(_fmask));
                break;
            case FlagState.Bits:
                _il.Emit(OpCodes.Ldarg_1); Const((ulong)RFlags.Status); _il.Emit(OpCodes.Ldloc, _fbits);
                _il.Emit(OpCodes.Call, SetStatus);
                break;
        }
        if (_fcinPending) Store(FCinField, () => _il.Emit(OpCodes.Ldloc, _fcin));
        if (hot) { _flags = FlagState.Processor; _fcinPending = false; }
    }

    /// <summary>Pushes condition <paramref name="cc"/> (tttn) of the current flag state.</summary>
    void Condition(int cc)
    {
        switch (_flags)
        {
            case FlagState.Processor:
                _il.Emit(OpCodes.Ldarg_1); _il.Emit(OpCodes.Ldc_I4, cc); _il.Emit(OpCodes.Call, ConditionMethod);
                return;
            case FlagState.Bits:
                _il.Emit(OpCodes.Ldc_I4_0); Const(0); Const(0); Const(0); Const(0); _il.Emit(OpCodes.Ldc_I4_0); _il.Emit(OpCodes.Ldloc, _fbits);
                break;
            default:
                _il.Emit(OpCodes.Ldc_I4, (int)_fop); _il.Emit(OpCodes.Ldloc, _fa); _il.Emit(OpCodes.Ldloc, _fb); _il.Emit(OpCodes.Ldloc, _fr);
                Const(_fmask); CarryIn(); Const(0);
                break;
        }
        _il.Emit(OpCodes.Ldc_I4, cc); _il.Emit(OpCodes.Call, LazyConditionMethod);
    }

    /// <summary>Pushes CF of the current flag state.</summary>
    void CarryFlag()
    {
        switch (_flags)
        {
            case FlagState.Processor:
                _il.Emit(OpCodes.Ldarg_1); _il.Emit(OpCodes.Call, CfGetter);
                return;
            case FlagState.Bits:
                _il.Emit(OpCodes.Ldloc, _fbits); Const((ulong)RFlags.CF); _il.Emit(OpCodes.And); Const(0); _il.Emit(OpCodes.Cgt_Un);
                return;
            default:
                _il.Emit(OpCodes.Ldc_I4, (int)_fop); _il.Emit(OpCodes.Ldloc, _fa); _il.Emit(OpCodes.Ldloc, _fb); _il.Emit(OpCodes.Ldloc, _fr);
                Const(_fmask); CarryIn(); Const(0);
                _il.Emit(OpCodes.Call, LazyCfMethod);
                return;
        }
    }

    /// <summary>The lazy record's carry-in: only INC/DEC set it in compiled code (ADC/SBB go through their handler).</summary>
    void CarryIn()
    {
        if (_fop is LazyOp.Inc or LazyOp.Dec) _il.Emit(OpCodes.Ldloc, _fcin);
        else _il.Emit(OpCodes.Ldc_I4_0);
    }

    // ---------------------------------------------------------------- helpers

    /// <summary>(R[Base] + (R[Index] << Scale) + Disp + R[Seg]) & AddrMask, as <see cref="Insn.Ea"/>.</summary>
    void Ea(Insn i)
    {
        Const(i.Disp);
        if (i.Base != Processor.ZeroSlot) { Get(i.Base); _il.Emit(OpCodes.Add); }
        if (i.Index != Processor.ZeroSlot)
        {
            Get(i.Index);
            if (i.Scale != 0) { _il.Emit(OpCodes.Ldc_I4, i.Scale); _il.Emit(OpCodes.Shl); }
            _il.Emit(OpCodes.Add);
        }
        if (i.Seg != Processor.ZeroSlot) { Get(i.Seg); _il.Emit(OpCodes.Add); }
        Mask(i.AddrMask);
    }

    void SetIp(ulong target) => Store(IpField, () => Const(target));

    /// <summary>field++ on the processor (a long counter).</summary>
    void Count(FieldInfo f)
    {
        _il.Emit(OpCodes.Ldarg_1); _il.Emit(OpCodes.Dup); _il.Emit(OpCodes.Ldfld, f); _il.Emit(OpCodes.Ldc_I4_1); _il.Emit(OpCodes.Conv_I8);
        _il.Emit(OpCodes.Add); _il.Emit(OpCodes.Stfld, f);
    }

    void Store(FieldInfo f, Action value) { _il.Emit(OpCodes.Ldarg_1); value(); _il.Emit(OpCodes.Stfld, f); }

    void Const(ulong v) => _il.Emit(OpCodes.Ldc_I8, (long)v);

    void Mask(ulong m)
    {
        if (m == ulong.MaxValue) return;
        Const(m);
        _il.Emit(OpCodes.And);
    }

    static FieldInfo PField(string name) => typeof(Processor).GetField(name, BindingFlags.Instance | BindingFlags.NonPublic)!;
    static MethodInfo PMethod(string name) => typeof(Processor).GetMethod(name, BindingFlags.Instance | BindingFlags.Static | BindingFlags.NonPublic)!;

    static readonly FieldInfo InsnsField = typeof(Constants).GetField(nameof(Constants.Insns))!;
    static readonly FieldInfo HandlersField = typeof(Constants).GetField(nameof(Constants.Handlers))!;
    static readonly FieldInfo OwnerField = typeof(Constants).GetField(nameof(Constants.Owner))!;
    static readonly FieldInfo CalloutsField = typeof(BlockTranslator).GetField(nameof(BlockTranslator.CalloutsExecuted))!;
    static readonly FieldInfo IndexField = PField(nameof(Processor.BlockIndex));
    static readonly FieldInfo DoneField = PField(nameof(Processor.BlockDone));
    static readonly FieldInfo CodeChangedField = PField(nameof(Processor.CodeChanged));
    static readonly FieldInfo RField = PField(nameof(Processor.R));
    static readonly FieldInfo IpField = PField(nameof(Processor.Ip));
    static readonly FieldInfo NearCallsField = typeof(Processor).GetField(nameof(Processor.NearCalls))!;
    static readonly FieldInfo NearReturnsField = typeof(Processor).GetField(nameof(Processor.NearReturns))!;
    static readonly FieldInfo FOpField = PField(nameof(Processor.FOp));
    static readonly FieldInfo FAField = PField(nameof(Processor.FA));
    static readonly FieldInfo FBField = PField(nameof(Processor.FB));
    static readonly FieldInfo FResField = PField(nameof(Processor.FRes));
    static readonly FieldInfo FMaskField = PField(nameof(Processor.FMask));
    static readonly FieldInfo FCinField = PField(nameof(Processor.FCin));
    static readonly MethodInfo CfGetter = typeof(Processor).GetProperty(nameof(Processor.CF), BindingFlags.Instance | BindingFlags.NonPublic)!.GetMethod!;
    static readonly MethodInfo ConditionMethod = PMethod(nameof(Processor.Condition));
    static readonly MethodInfo LazyConditionMethod = PMethod(nameof(Processor.LazyCondition));
    static readonly MethodInfo LazyCfMethod = PMethod(nameof(Processor.LazyCF));
    static readonly MethodInfo SetStatus = PMethod(nameof(Processor.SetStatus));
    static readonly MethodInfo HostRead = PMethod(nameof(Processor.HostRead));
    static readonly MethodInfo HostWrite = PMethod(nameof(Processor.HostWrite));
    static readonly MethodInfo ReadSlow = PMethod(nameof(Processor.ReadSlow));
    static readonly MethodInfo WriteSlow = PMethod(nameof(Processor.WriteSlow));
    static readonly MethodInfo ShiftLogical = typeof(Semantics).GetMethod(nameof(Semantics.ShiftLogical), BindingFlags.Static | BindingFlags.NonPublic)!;
    static readonly MethodInfo ImulTruncated = typeof(Semantics).GetMethod(nameof(Semantics.ImulTruncated), BindingFlags.Static | BindingFlags.NonPublic)!;
    static readonly MethodInfo IsNullRef = typeof(Unsafe).GetMethod(nameof(Unsafe.IsNullRef))!.MakeGenericMethod(typeof(byte));
    static readonly MethodInfo DataRef = typeof(MemoryMarshal).GetMethods()
        .Single(m => m.Name == nameof(MemoryMarshal.GetArrayDataReference) && m.IsGenericMethodDefinition).MakeGenericMethod(typeof(ulong));
    static readonly MethodInfo InvokeHandler = typeof(Action<Processor, Insn>).GetMethod("Invoke")!;
    static readonly Type[] HandlerArgs = [typeof(Processor), typeof(Insn)];

    /// <summary>
    /// The instruction handlers by entry point, so a block can call a handler directly (a call the JIT may inline) or
    /// inline its form, rather than through the pointer chosen at decode time. A pointer not found here (a callout, a
    /// handler outside <see cref="Semantics"/>) is called with <c>calli</c>, which is equally correct.
    /// </summary>
    static class Handlers
    {
        static readonly Dictionary<nint, MethodInfo> ByEntry = Build();

        public static MethodInfo? Find(nint entry) => ByEntry.GetValueOrDefault(entry);

        static Dictionary<nint, MethodInfo> Build()
        {
            var map = new Dictionary<nint, MethodInfo>();
            var aluOps = typeof(IAluOp).Assembly.GetTypes().Where(t => t.IsValueType && typeof(IAluOp).IsAssignableFrom(t)).ToArray();
            foreach (var m in typeof(Semantics).GetMethods(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            {
                if (m.ReturnType != typeof(void)) continue;
                var ps = m.GetParameters();
                if (ps.Length != 2 || ps[0].ParameterType != typeof(Processor) || ps[1].ParameterType != typeof(Insn)) continue;
                if (!m.IsGenericMethodDefinition) { map.TryAdd(m.MethodHandle.GetFunctionPointer(), m); continue; }
                if (m.GetGenericArguments().Length != 1) continue;
                foreach (var t in aluOps)
                {
                    MethodInfo g;
                    try { g = m.MakeGenericMethod(t); } catch (ArgumentException) { continue; }
                    map.TryAdd(g.MethodHandle.GetFunctionPointer(), g);
                }
            }
            return map;
        }
    }
}
