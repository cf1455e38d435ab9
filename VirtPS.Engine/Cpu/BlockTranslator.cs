using System.Reflection;
using System.Reflection.Emit;

namespace VirtPS.Engine.Cpu;

/// <summary>
/// The block translator. A block is translated when first run: the policy decides which instructions stay
/// and which become callouts into the VMM (the translated form). Once a block has run
/// <see cref="CompileThreshold"/> times it is compiled with <see cref="DynamicMethod"/> to IL that calls
/// each kept instruction's handler directly (so the JIT can inline the small ones) and each callout,
/// with the run loop's per-instruction duties in the generated code: the index of the instruction about
/// to run (so a fault retires exactly those before it) and the stop after a write to guest code. Kept
/// instructions run the interpreter's own handlers, so the two engines cannot disagree on semantics.
/// One translator serves one machine (its counters are not synchronized).
/// </summary>
public sealed unsafe class BlockTranslator
{
    /// <summary>A translator that keeps every instruction (no callouts).</summary>
    public BlockTranslator() : this(KeepAllPolicy.Instance) { }

    internal BlockTranslator(ITranslationPolicy policy) => Policy = policy;

    internal ITranslationPolicy Policy { get; }

    /// <summary>Decides per block whether it runs translated (null: every block). The BinaryTranslation
    /// style translates kernel code only: <see cref="SupervisorOnly"/>.</summary>
    public Func<Processor, bool>? Filter { get; set; }

    public static readonly Func<Processor, bool> SupervisorOnly = p => p.Cpl == 0;

    /// <summary>
    /// Executions of a translated block before it is compiled to .NET code (0: at once). The JIT spends
    /// about a millisecond on a block, which the compiled form repays only over many executions; until
    /// then the translated form runs step by step.
    /// </summary>
    public long CompileThreshold { get; set; } = 4096;

    /// <summary>Blocks translated, and the guest instructions in them.</summary>
    public long BlocksTranslated { get; private set; }
    public long InstructionsTranslated { get; private set; }
    /// <summary>Blocks compiled to .NET code.</summary>
    public long BlocksCompiled { get; private set; }
    /// <summary>Entries into a block that was already translated.</summary>
    public long CacheHits { get; internal set; }
    /// <summary>Translations dropped because guest code on their page changed.</summary>
    public long Invalidations { get; internal set; }
    /// <summary>Callouts executed by translated code.</summary>
    public long CalloutsExecuted;
    /// <summary>Kept guest instructions retired from translated code (callouts not included).</summary>
    public long InstructionsExecuted { get; private set; }
    /// <summary>Near CALLs (direct, indirect), indirect JMPs and near RETs retired from translated code.</summary>
    public long NearCallsExecuted { get; private set; }
    public long IndirectCallsExecuted { get; private set; }
    public long IndirectJumpsExecuted { get; private set; }
    public long ReturnsExecuted { get; private set; }
    /// <summary>The translation the run loop is executing now (null while it interprets): a VMM entered from
    /// translated code finds the instruction at <see cref="Processor.BlockIndex"/> in it.</summary>
    internal TranslatedBlock? Running;

    /// <summary>Counts what a run of <paramref name="t"/> retired: its first <paramref name="done"/> instructions,
    /// and its exit when the whole block ran.</summary>
    internal void Retire(TranslatedBlock t, int done, bool whole)
    {
        InstructionsExecuted += t.KeptBefore[done];
        if (!whole) return;
        switch (t.Exit)
        {
            case TranslatedBlock.BlockExit.Call: NearCallsExecuted++; break;
            case TranslatedBlock.BlockExit.IndirectCall: NearCallsExecuted++; IndirectCallsExecuted++; break;
            case TranslatedBlock.BlockExit.IndirectJump: IndirectJumpsExecuted++; break;
            case TranslatedBlock.BlockExit.Return: ReturnsExecuted++; break;
        }
    }

    /// <summary>A REP string instruction that yielded did not retire after all.</summary>
    internal void Unretire(TranslatedBlock t)
    {
        if (!t.Steps[^1].IsCallout) InstructionsExecuted--;
    }

    /// <summary>Drops <paramref name="t"/> from the translation cache (its decoded block stays), so the block is
    /// translated afresh the next time it runs.</summary>
    internal void Invalidate(TranslatedBlock t)
    {
        if (!ReferenceEquals(t.Block.Translation, t)) return;
        t.Block.Translation = null;
        Invalidations++;
    }
    /// <summary>Instructions compiled to a direct call of their handler (the rest go through <c>calli</c>).</summary>
    public long DirectCalls { get; private set; }
    /// <summary>Instructions compiled to inline IL (register-to-register MOV and ALU forms, LEA, INC/DEC, Jcc).</summary>
    public long InlinedInstructions { get; private set; }
    /// <summary>Blocks the translator could not translate or compile (an engine defect): they run interpreted,
    /// or in their translated form.</summary>
    public long Failures { get; private set; }
    public string? LastFailure { get; private set; }

    /// <summary>The block's translation by this translator, made now if there is none (and compiled once hot);
    /// null if it cannot be made.</summary>
    internal TranslatedBlock? For(Block b)
    {
        var t = b.Translation;
        if (t != null && ReferenceEquals(t.Owner, this)) CacheHits++;
        else
        {
            try { t = Translate(b); }
            catch (Exception e) { Fail(b, e); return null; }   // a translator defect must not stop the guest
            b.Translation = t;
            BlocksTranslated++;
            InstructionsTranslated += b.Insns.Length;
        }
        if (t.Executions >= CompileThreshold && !t.CompileTried)
        {
            t.CompileTried = true;
            try { t.Code = Compile(b, t); BlocksCompiled++; }
            catch (Exception e) { Fail(b, e); }
        }
        return t;
    }

    void Fail(Block b, Exception e)
    {
        Failures++;
        LastFailure = $"0x{b.Start:x}: {e.GetType().Name}: {e.Message}";
    }

    /// <summary>Applies the policy: the translated form, ready to run step by step.</summary>
    internal TranslatedBlock Translate(Block b)
    {
        var insns = b.Insns;
        int n = insns.Length;
        var steps = new TranslatedBlock.Step[n];
        int callouts = 0;
        for (int k = 0; k < n; k++)
        {
            var ins = insns[k];
            if (Policy.CalloutFor(ins) is { } c)
            {
                callouts++;
                steps[k] = new TranslatedBlock.Step { Function = c.Function, Handler = c.Handler, IsCallout = true, Name = c.Name };
            }
            else steps[k] = new TranslatedBlock.Step { Function = ins.Exec };
        }
        return new TranslatedBlock(this, b, steps, callouts);
    }

    /// <summary>The closure a compiled block runs against: its instructions and its delegate callouts.</summary>
    sealed class Constants
    {
        public required Insn[] Insns;
        public required Action<Processor, Insn>[] Handlers;
        public required BlockTranslator Owner;
    }

    static readonly FieldInfo InsnsField = typeof(Constants).GetField(nameof(Constants.Insns))!;
    static readonly FieldInfo HandlersField = typeof(Constants).GetField(nameof(Constants.Handlers))!;
    static readonly FieldInfo OwnerField = typeof(Constants).GetField(nameof(Constants.Owner))!;
    static readonly FieldInfo CalloutsField = typeof(BlockTranslator).GetField(nameof(CalloutsExecuted))!;
    static readonly FieldInfo IndexField = typeof(Processor).GetField(nameof(Processor.BlockIndex), BindingFlags.Instance | BindingFlags.NonPublic)!;
    static readonly FieldInfo CodeChangedField = typeof(Processor).GetField(nameof(Processor.CodeChanged), BindingFlags.Instance | BindingFlags.NonPublic)!;
    static readonly MethodInfo InvokeHandler = typeof(Action<Processor, Insn>).GetMethod("Invoke")!;
    static readonly Type[] HandlerArgs = [typeof(Processor), typeof(Insn)];

    /// <summary>Compiles the translated form of <paramref name="b"/> to a .NET method.</summary>
    internal Func<Processor, int> Compile(Block b, TranslatedBlock t)
    {
        var insns = b.Insns;
        int n = insns.Length;
        var handlers = new List<Action<Processor, Insn>>();
        var dm = new DynamicMethod($"block_{b.Start:x}", typeof(int), [typeof(Constants), typeof(Processor)],
            typeof(BlockTranslator).Module, skipVisibility: true);
        var il = dm.GetILGenerator();
        var insnsLocal = il.DeclareLocal(typeof(Insn[]));
        il.Emit(OpCodes.Ldarg_0);
        il.Emit(OpCodes.Ldfld, InsnsField);
        il.Emit(OpCodes.Stloc, insnsLocal);
        // The index starts at 0, so even a defect in a handler that "cannot fault" is charged inside this block.
        il.Emit(OpCodes.Ldarg_1);
        il.Emit(OpCodes.Ldc_I4_0);
        il.Emit(OpCodes.Stfld, IndexField);
        var inline = new Inliner(il);

        for (int k = 0; k < n; k++)
        {
            var step = t.Steps[k];
            MethodInfo? handler = step.IsCallout ? null : Handlers.Find((nint)step.Function);
            bool registerOnly = handler != null && Handlers.IsRegisterOnly(handler);

            // The run loop needs the faulting instruction's index to retire exactly those before it.
            if (!registerOnly && k > 0)
            {
                il.Emit(OpCodes.Ldarg_1);
                il.Emit(OpCodes.Ldc_I4, k);
                il.Emit(OpCodes.Stfld, IndexField);
            }

            if (step.IsCallout)
            {
                // CalloutsExecuted++ (counted when made, whether or not the callout then faults).
                il.Emit(OpCodes.Ldarg_0);
                il.Emit(OpCodes.Ldfld, OwnerField);
                il.Emit(OpCodes.Dup);
                il.Emit(OpCodes.Ldfld, CalloutsField);
                il.Emit(OpCodes.Ldc_I4_1);
                il.Emit(OpCodes.Conv_I8);
                il.Emit(OpCodes.Add);
                il.Emit(OpCodes.Stfld, CalloutsField);
            }
            if (step.Handler != null)
            {
                il.Emit(OpCodes.Ldarg_0);
                il.Emit(OpCodes.Ldfld, HandlersField);
                il.Emit(OpCodes.Ldc_I4, handlers.Count);
                il.Emit(OpCodes.Ldelem_Ref);
                handlers.Add(step.Handler);
                EmitArgs(il, insnsLocal, k);
                il.Emit(OpCodes.Callvirt, InvokeHandler);
            }
            else if (handler != null && inline.TryEmit(handler, insns[k])) InlinedInstructions++;
            else
            {
                EmitArgs(il, insnsLocal, k);
                if (handler != null) { il.Emit(OpCodes.Call, handler); DirectCalls++; }
                else EmitCalli(il, (nint)step.Function);
            }

            // A write that hit decoded code (self-modifying code) ends the block after the writing
            // instruction, as in the interpreter. Register-only handlers cannot write memory.
            if (k < n - 1 && !registerOnly)
            {
                var go = il.DefineLabel();
                il.Emit(OpCodes.Ldarg_1);
                il.Emit(OpCodes.Ldfld, CodeChangedField);
                il.Emit(OpCodes.Brfalse, go);
                il.Emit(OpCodes.Ldc_I4, k + 1);
                il.Emit(OpCodes.Ret);
                il.MarkLabel(go);
            }
        }
        il.Emit(OpCodes.Ldc_I4, n);
        il.Emit(OpCodes.Ret);

        var consts = new Constants { Insns = insns, Handlers = [.. handlers], Owner = this };
        return (Func<Processor, int>)dm.CreateDelegate(typeof(Func<Processor, int>), consts);
    }

    static void EmitArgs(ILGenerator il, LocalBuilder insns, int k)
    {
        il.Emit(OpCodes.Ldarg_1);
        il.Emit(OpCodes.Ldloc, insns);
        il.Emit(OpCodes.Ldc_I4, k);
        il.Emit(OpCodes.Ldelem_Ref);
    }

    static void EmitCalli(ILGenerator il, nint fn)
    {
        il.Emit(OpCodes.Ldc_I8, (long)fn);
        il.Emit(OpCodes.Conv_I);
        il.EmitCalli(OpCodes.Calli, CallingConventions.Standard, typeof(void), HandlerArgs, null);
    }

    /// <summary>
    /// Inline IL for the commonest register-only forms, with the decoded operands as constants: the same
    /// computation as the handler named (Semantics.AluRR, AluRI, MovRR64, MovRR32, MovRI, IncDecR, Lea64,
    /// Jz, Jnz, Jcc, Jmp, Nop), step for step, including the lazy-flag record (FOp, FA, FB, FRes, FMask,
    /// and FCin for INC/DEC), so the state it leaves is bit-identical. Registers are addressed from a
    /// reference to the register file's first element, so each access is one load at a constant offset.
    /// </summary>
    sealed class Inliner
    {
        static readonly FieldInfo RField = Field(nameof(Processor.R));
        static readonly FieldInfo IpField = Field(nameof(Processor.Ip));
        static readonly FieldInfo FOpField = Field(nameof(Processor.FOp));
        static readonly FieldInfo FAField = Field(nameof(Processor.FA));
        static readonly FieldInfo FBField = Field(nameof(Processor.FB));
        static readonly FieldInfo FResField = Field(nameof(Processor.FRes));
        static readonly FieldInfo FMaskField = Field(nameof(Processor.FMask));
        static readonly FieldInfo FCinField = Field(nameof(Processor.FCin));
        static readonly MethodInfo ZfGetter = typeof(Processor).GetProperty(nameof(Processor.ZF), BindingFlags.Instance | BindingFlags.NonPublic)!.GetMethod!;
        static readonly MethodInfo CfGetter = typeof(Processor).GetProperty(nameof(Processor.CF), BindingFlags.Instance | BindingFlags.NonPublic)!.GetMethod!;
        static readonly MethodInfo ConditionMethod = typeof(Processor).GetMethod(nameof(Processor.Condition), BindingFlags.Instance | BindingFlags.NonPublic)!;
        static readonly MethodInfo DataRef = typeof(System.Runtime.InteropServices.MemoryMarshal).GetMethods()
            .Single(m => m.Name == nameof(System.Runtime.InteropServices.MemoryMarshal.GetArrayDataReference) && m.IsGenericMethodDefinition)
            .MakeGenericMethod(typeof(ulong));

        static FieldInfo Field(string name) => typeof(Processor).GetField(name, BindingFlags.Instance | BindingFlags.NonPublic)!;

        readonly ILGenerator _il;
        readonly LocalBuilder _regs;
        LocalBuilder? _a, _b, _r;

        /// <summary>Emits the fetch of the register file's first element, by reference, once per block.</summary>
        public Inliner(ILGenerator il)
        {
            _il = il;
            _regs = il.DeclareLocal(typeof(ulong).MakeByRefType());
            il.Emit(OpCodes.Ldarg_1);
            il.Emit(OpCodes.Ldfld, RField);
            il.Emit(OpCodes.Call, DataRef);
            il.Emit(OpCodes.Stloc, _regs);
        }

        public bool TryEmit(MethodInfo handler, Insn i)
        {
            switch (handler.Name)
            {
                case nameof(Semantics.Nop): return true;
                case nameof(Semantics.Jmp): SetIp(i.Target); return true;
                case nameof(Semantics.Jz): case nameof(Semantics.Jnz):
                {
                    var skip = _il.DefineLabel();
                    _il.Emit(OpCodes.Ldarg_1);
                    _il.Emit(OpCodes.Call, ZfGetter);
                    _il.Emit(handler.Name == nameof(Semantics.Jz) ? OpCodes.Brfalse : OpCodes.Brtrue, skip);
                    SetIp(i.Target);
                    _il.MarkLabel(skip);
                    return true;
                }
                case nameof(Semantics.Jcc):
                {
                    var skip = _il.DefineLabel();
                    _il.Emit(OpCodes.Ldarg_1);
                    _il.Emit(OpCodes.Ldc_I4, i.Op);
                    _il.Emit(OpCodes.Call, ConditionMethod);
                    _il.Emit(OpCodes.Brfalse, skip);
                    SetIp(i.Target);
                    _il.MarkLabel(skip);
                    return true;
                }
                case nameof(Semantics.MovRR64):
                    StoreReg(i.R0, () => LoadReg(i.R1));
                    return true;
                case nameof(Semantics.MovRR32):
                    StoreReg(i.R0, () => { LoadReg(i.R1); _il.Emit(OpCodes.Conv_U4); _il.Emit(OpCodes.Conv_U8); });
                    return true;
                case nameof(Semantics.MovRI):
                    StoreReg(i.R0, () => Const(i.Imm));
                    return true;
                case nameof(Semantics.Lea64):
                    StoreReg(i.R0, () => EffectiveAddress(i));
                    return true;
                case nameof(Semantics.IncDecR):
                    IncDec(i);
                    return true;
                case "AluRR": case "AluRI":
                    return Alu(handler, i);
                default:
                    return false;
            }
        }

        // a = R[R0] & m; b = R[R1] & m (or Imm); r = (a op b) & m; write back unless CMP/TEST; SetLazy(op, a, b, r, m).
        bool Alu(MethodInfo handler, Insn i)
        {
            var t = handler.GetGenericArguments()[0];
            OpCode op;
            if (t == typeof(AddOp)) op = OpCodes.Add;
            else if (t == typeof(SubOp) || t == typeof(CmpOp)) op = OpCodes.Sub;
            else if (t == typeof(AndOp) || t == typeof(TestOp)) op = OpCodes.And;
            else if (t == typeof(OrOp)) op = OpCodes.Or;
            else if (t == typeof(XorOp)) op = OpCodes.Xor;
            else return false;
            var flags = (LazyOp)t.GetProperty(nameof(IAluOp.Flags))!.GetValue(null)!;
            bool writesBack = (bool)t.GetProperty(nameof(IAluOp.WritesBack))!.GetValue(null)!;
            ulong m = i.Mask;
            Scratch();
            LoadReg(i.R0); Mask(m); _il.Emit(OpCodes.Stloc, _a!);
            if (handler.Name == "AluRR") { LoadReg(i.R1); Mask(m); } else Const(i.Imm);
            _il.Emit(OpCodes.Stloc, _b!);
            _il.Emit(OpCodes.Ldloc, _a!); _il.Emit(OpCodes.Ldloc, _b!); _il.Emit(op); Mask(m);
            _il.Emit(OpCodes.Stloc, _r!);
            if (writesBack) StoreReg(i.R0, () => _il.Emit(OpCodes.Ldloc, _r!));
            SetLazy(flags, () => _il.Emit(OpCodes.Ldloc, _b!), m);
            return true;
        }

        // a = R[R0] & m; r = (a +/- 1) & m; FCin = CF (INC and DEC keep CF); R[R0] = r; SetLazy(Inc/Dec, a, 1, r, m).
        void IncDec(Insn i)
        {
            ulong m = i.Mask;
            bool inc = i.Op == 0;
            Scratch();
            LoadReg(i.R0); Mask(m); _il.Emit(OpCodes.Stloc, _a!);
            _il.Emit(OpCodes.Ldloc, _a!); Const(1); _il.Emit(inc ? OpCodes.Add : OpCodes.Sub); Mask(m);
            _il.Emit(OpCodes.Stloc, _r!);
            _il.Emit(OpCodes.Ldarg_1);
            _il.Emit(OpCodes.Ldarg_1);
            _il.Emit(OpCodes.Call, CfGetter);
            _il.Emit(OpCodes.Stfld, FCinField);
            StoreReg(i.R0, () => _il.Emit(OpCodes.Ldloc, _r!));
            SetLazy(inc ? LazyOp.Inc : LazyOp.Dec, () => Const(1), m);
        }

        void SetLazy(LazyOp op, Action loadB, ulong m)
        {
            _il.Emit(OpCodes.Ldarg_1); _il.Emit(OpCodes.Ldc_I4, (int)op); _il.Emit(OpCodes.Stfld, FOpField);
            _il.Emit(OpCodes.Ldarg_1); _il.Emit(OpCodes.Ldloc, _a!); _il.Emit(OpCodes.Stfld, FAField);
            _il.Emit(OpCodes.Ldarg_1); loadB(); _il.Emit(OpCodes.Stfld, FBField);
            _il.Emit(OpCodes.Ldarg_1); _il.Emit(OpCodes.Ldloc, _r!); _il.Emit(OpCodes.Stfld, FResField);
            _il.Emit(OpCodes.Ldarg_1); Const(m); _il.Emit(OpCodes.Stfld, FMaskField);
        }

        // (R[Base] + (R[Index] << Scale) + Disp + R[Seg]) & AddrMask, as Insn.Ea; the zero slot reads as 0.
        void EffectiveAddress(Insn i)
        {
            Const(i.Disp);
            if (i.Base != Processor.ZeroSlot) { LoadReg(i.Base); _il.Emit(OpCodes.Add); }
            if (i.Index != Processor.ZeroSlot)
            {
                LoadReg(i.Index);
                if (i.Scale != 0) { _il.Emit(OpCodes.Ldc_I4, i.Scale); _il.Emit(OpCodes.Shl); }
                _il.Emit(OpCodes.Add);
            }
            if (i.Seg != Processor.ZeroSlot) { LoadReg(i.Seg); _il.Emit(OpCodes.Add); }
            Mask(i.AddrMask);
        }

        void Scratch()
        {
            _a ??= _il.DeclareLocal(typeof(ulong));
            _b ??= _il.DeclareLocal(typeof(ulong));
            _r ??= _il.DeclareLocal(typeof(ulong));
        }

        void RegAddress(int index)
        {
            _il.Emit(OpCodes.Ldloc, _regs);
            if (index != 0) { _il.Emit(OpCodes.Ldc_I4, index * sizeof(ulong)); _il.Emit(OpCodes.Add); }
        }

        void LoadReg(int index) { RegAddress(index); _il.Emit(OpCodes.Ldind_I8); }

        void StoreReg(int index, Action value) { RegAddress(index); value(); _il.Emit(OpCodes.Stind_I8); }

        void SetIp(ulong target) { _il.Emit(OpCodes.Ldarg_1); Const(target); _il.Emit(OpCodes.Stfld, IpField); }

        void Const(ulong v) => _il.Emit(OpCodes.Ldc_I8, (long)v);

        void Mask(ulong m)
        {
            if (m == ulong.MaxValue) return;
            Const(m);
            _il.Emit(OpCodes.And);
        }
    }

    static readonly Iced.Intel.NasmFormatter Formatter = Asm.Disassembler.CreateFormatter();

    internal static string Text(Insn ins)
    {
        if (ins.PendingFault != null) return $"(bad) ; {Convert.ToHexString(ins.Bytes).ToLowerInvariant()}";
        var o = new Iced.Intel.StringOutput();
        lock (Formatter) Formatter.Format(ins.Decoded, o);
        return o.ToStringAndReset();
    }

    /// <summary>
    /// The instruction handlers by entry point, so a block can call a handler directly (a call the JIT may
    /// inline) rather than through the pointer chosen at decode time. A pointer not found here (a callout,
    /// a handler outside <see cref="Semantics"/>) is called with <c>calli</c>, which is equally correct.
    /// </summary>
    static class Handlers
    {
        static readonly Dictionary<nint, MethodInfo> ByEntry = Build();

        // Handlers that touch only registers, RIP and the lazy flags: they cannot raise a fault or write
        // guest memory, so the block needs neither the index store nor the code-changed check around them.
        static readonly HashSet<string> RegisterOnlyNames =
        [
            nameof(Semantics.MovRR64), nameof(Semantics.MovRR32), nameof(Semantics.MovRI), "AluRR", "AluRI",
            nameof(Semantics.IncDecR), nameof(Semantics.Lea64), nameof(Semantics.Nop),
            nameof(Semantics.Jmp), nameof(Semantics.Jz), nameof(Semantics.Jnz), nameof(Semantics.Jcc),
        ];

        public static MethodInfo? Find(nint entry) => ByEntry.GetValueOrDefault(entry);

        public static bool IsRegisterOnly(MethodInfo m) => RegisterOnlyNames.Contains(m.Name);

        static Dictionary<nint, MethodInfo> Build()
        {
            var map = new Dictionary<nint, MethodInfo>();
            var aluOps = typeof(IAluOp).Assembly.GetTypes().Where(t => t.IsValueType && typeof(IAluOp).IsAssignableFrom(t)).ToArray();
            foreach (var m in typeof(Semantics).GetMethods(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            {
                if (m.ReturnType != typeof(void)) continue;
                var ps = m.GetParameters();
                if (ps.Length != 2 || ps[0].ParameterType != typeof(Processor) || ps[1].ParameterType != typeof(Insn)) continue;
                if (!m.IsGenericMethodDefinition) { Add(map, m); continue; }
                if (m.GetGenericArguments().Length != 1) continue;
                foreach (var t in aluOps)
                {
                    MethodInfo g;
                    try { g = m.MakeGenericMethod(t); } catch (ArgumentException) { continue; }
                    Add(map, g);
                }
            }
            return map;
        }

        static void Add(Dictionary<nint, MethodInfo> map, MethodInfo m)
        {
            map.TryAdd(m.MethodHandle.GetFunctionPointer(), m);
        }
    }
}
