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
    internal void Retire(TranslatedBlock t, int done, bool whole, long passes = 0)
    {
        // Whole passes a compiled loop made before the last one.
        if (passes > 0)
        {
            InstructionsExecuted += passes * t.KeptBefore[^1];
            if (t.Exit != TranslatedBlock.BlockExit.None) throw new InvalidOperationException("a compiled loop ends in a direct jump");
        }
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
    /// <summary>Instructions compiled to inline IL (MOV, ALU, shift and IMUL forms on registers and memory, LEA, INC/DEC, JMP, Jcc).</summary>
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

    /// <summary>Compiles the translated form of <paramref name="b"/> to a .NET method (<see cref="BlockCompiler"/>).</summary>
    internal CompiledBlock Compile(Block b, TranslatedBlock t)
    {
        var code = BlockCompiler.Compile(this, b, t, out int inlined, out int direct, out bool loops);
        InlinedInstructions += inlined;
        DirectCalls += direct;
        if (loops) LoopsCompiled++;
        return code;
    }

    /// <summary>Compiled blocks that branch back to their own start and run their passes inside the compiled code.</summary>
    public long LoopsCompiled { get; private set; }

    static readonly Iced.Intel.NasmFormatter Formatter = Asm.Disassembler.CreateFormatter();

    internal static string Text(Insn ins)
    {
        if (ins.PendingFault != null) return $"(bad) ; {Convert.ToHexString(ins.Bytes).ToLowerInvariant()}";
        var o = new Iced.Intel.StringOutput();
        lock (Formatter) Formatter.Format(ins.Decoded, o);
        return o.ToStringAndReset();
    }
}
