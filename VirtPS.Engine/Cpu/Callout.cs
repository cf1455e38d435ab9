using System.Reflection;
using System.Reflection.Emit;

namespace VirtPS.Engine.Cpu;

/// <summary>
/// What a translated block calls instead of a sensitive instruction's own semantics: a static function
/// (called with <c>calli</c>) or a delegate (for callouts that need the VMM's state). Either receives the
/// processor and the decoded instruction, and must leave RIP, RFLAGS and the registers as the instruction
/// would (or raise a guest fault), since the block goes on after it.
/// </summary>
internal sealed unsafe class Callout
{
    public Callout(string name, delegate*<Processor, Insn, void> function)
    {
        Name = name;
        Function = function;
    }

    public Callout(string name, Action<Processor, Insn> handler)
    {
        Name = name;
        Handler = handler;
    }

    /// <summary>The name the translated form shows: <c>callout Name(...)</c>.</summary>
    public string Name { get; }
    internal readonly delegate*<Processor, Insn, void> Function;
    internal readonly Action<Processor, Insn>? Handler;
}
