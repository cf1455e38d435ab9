using System.Reflection;
using System.Reflection.Emit;

namespace VirtPS.Engine.Cpu;

/// <summary>
/// A guest basic block in the translation cache: the translated form (each instruction kept, or replaced
/// by a callout) and, once the block is hot, that form compiled to a .NET method.
/// </summary>
public sealed unsafe class TranslatedBlock
{
    internal TranslatedBlock(BlockTranslator owner, Block block, Step[] steps, int callouts)
    {
        Owner = owner; _block = block; Steps = steps; Callouts = callouts;
        KeptBefore = new int[steps.Length + 1];
        for (int k = 0; k < steps.Length; k++) KeptBefore[k + 1] = KeptBefore[k] + (steps[k].IsCallout ? 0 : 1);
        if (steps.Length > 0 && !steps[^1].IsCallout)
            Exit = block.Insns[^1].Decoded.FlowControl switch
            {
                Iced.Intel.FlowControl.Call => BlockExit.Call,
                Iced.Intel.FlowControl.IndirectCall => BlockExit.IndirectCall,
                Iced.Intel.FlowControl.IndirectBranch => BlockExit.IndirectJump,
                Iced.Intel.FlowControl.Return => BlockExit.Return,
                _ => BlockExit.None,
            };
    }

    /// <summary>How a block's last instruction leaves it, when translated code runs it: a direct near CALL (a push
    /// and a jump to a known translation), or a transfer whose target is only known at run time (an indirect CALL or
    /// JMP, a RET), which translated code resolves by a lookup in the translation cache.</summary>
    internal enum BlockExit : byte { None, Call, IndirectCall, IndirectJump, Return }

    /// <summary>Kept (not called-out) instructions among the first k steps, for k = 0..n.</summary>
    internal readonly int[] KeptBefore;
    internal readonly BlockExit Exit;
    internal Block Block => _block;

    /// <summary>One instruction of the translated form: the function that runs it, and whether it is a callout.</summary>
    internal struct Step
    {
        public delegate*<Processor, Insn, void> Function;
        public Action<Processor, Insn>? Handler;
        public bool IsCallout;
        public string? Name;
    }

    readonly Block _block;
    internal readonly BlockTranslator Owner;
    internal readonly Step[] Steps;
    /// <summary>The compiled form, once made (<see cref="CompiledBlock"/>).</summary>
    internal CompiledBlock? Code;
    /// <summary>Set once compiling was attempted (it is not retried after a failure).</summary>
    internal bool CompileTried;

    /// <summary>The guest linear address of the block's first instruction.</summary>
    public ulong Address => _block.Start;
    /// <summary>The guest-physical address the block's bytes were decoded from.</summary>
    public ulong PhysicalAddress => _block.PhysStart;
    /// <summary>The guest instructions, as NASM text (formatted when first asked for: the host engine translates
    /// many blocks nobody reads).</summary>
    public IReadOnlyList<string> GuestInstructions => _guest ??= [.. _block.Insns.Select(BlockTranslator.Text)];
    /// <summary>One line per guest instruction: the kept instruction, or <c>callout Name(...)</c>.</summary>
    public IReadOnlyList<string> TranslatedForm => _form ??= [.. GuestInstructions.Select((g, k) => Steps[k].IsCallout ? $"callout {Steps[k].Name}({g})" : g)];
    string[]? _guest, _form;
    /// <summary>Instructions the policy turned into callouts.</summary>
    public int Callouts { get; }
    /// <summary>Times the block was entered, by either form.</summary>
    public long Executions { get; internal set; }
    /// <summary>True once the block has been compiled to a .NET method.</summary>
    public bool Compiled => Code != null;
    /// <summary>False once guest code on the block's page changed: the translation is dead.</summary>
    public bool Valid => _block.Valid && ReferenceEquals(_block.Translation, this);

    /// <summary>
    /// Runs the translated form step by step, at most <paramref name="limit"/> instructions: before the block
    /// is compiled, and for runs the budget or the timer cuts short (compiled code runs whole blocks only).
    /// Same contract as <see cref="Code"/>; stops after an instruction that changed guest code.
    /// </summary>
    internal int Run(Processor p, Insn[] insns, int limit)
    {
        var steps = Steps;
        for (int k = 0; k < limit; k++)
        {
            p.BlockIndex = k;
            ref var s = ref steps[k];
            var ins = insns[k];
            if (s.IsCallout)
            {
                Owner.CalloutsExecuted++;
                if (s.Handler != null) s.Handler(p, ins); else s.Function(p, ins);
            }
            else s.Function(p, ins);
            if (p.CodeChanged) return k + 1;
        }
        return limit;
    }

    public override string ToString() => $"0x{Address:x}: {GuestInstructions.Count} instructions, {Callouts} callouts{(Compiled ? ", compiled" : "")}";
}
