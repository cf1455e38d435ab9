using System.Text;
using VirtPS.Engine.Cpu;

namespace VirtPS.Tests.Differential;

/// <summary>
/// Compares what the host CPU did with a <see cref="RandomProgram"/> (<see cref="ElfOracle"/>: nasm, ld, a child
/// process) with the engine under the interpreter and under the translator engine (every block compiled, through
/// <see cref="EngineRunner"/>), on nasm's bytes at the address they have in the ELF: all GPRs, RFLAGS, the data buffer
/// and the stack window. On a difference it finds the shortest differing prefix (all prefixes in one more ELF) and a
/// minimal reproducer (steps of that prefix dropped one at a time while it still differs).
/// </summary>
internal static class RandomProgramRunner
{
    /// <summary>Translator coverage over all checks so far: blocks compiled, guest instructions retired from
    /// compiled code (kept instructions) and callouts (instructions the translator hands back to the interpreter's semantics).</summary>
    public static long BlocksCompiled, CompiledInstructions, Callouts;
    /// <summary>Programs the host CPU faulted on (each also faulted in the engine, or it is reported).</summary>
    public static long HostFaults;

    static Vector AsVector(RandomProgram p, HostRun h) => new()
    {
        Form = $"random:{p.Seed:X16}", Code = h.Code, Sequence = true,
        CodeOffset = checked((int)(h.Address - Layout.CodeAddr)), Input = p.Input.Clone(), Output = h.Output,
    };

    /// <summary>Differences between the host and the engine for the first <paramref name="count"/> steps, run on
    /// the host as <paramref name="h"/>; empty when they agree.</summary>
    static List<string> Diff(RandomProgram p, int count, HostRun h, bool translate, bool tally = false)
    {
        if (NasmRenderer.Verify(p, count, h.Address, h.Code) is { } wrong) return [$"nasm did not assemble the program as generated: {wrong}"];
        var v = AsVector(p, h);
        var o = EngineRunner.Run(v, translate, out var translator);
        if (tally && translator != null)
        {
            Interlocked.Add(ref BlocksCompiled, translator.BlocksCompiled);
            Interlocked.Add(ref CompiledInstructions, translator.InstructionsExecuted);
            Interlocked.Add(ref Callouts, translator.CalloutsExecuted);
        }
        if (translator is { Failures: > 0 }) return [$"the translator failed to compile a block: {translator.LastFailure}"];
        if (h.Output != null) return EngineRunner.Check(v, o);
        // The host faulted: the engine must raise the matching exception (and is then not compared further).
        if (tally && !translate) Interlocked.Increment(ref HostFaults);
        return o.Run.Stop == RunStop.Exception && o.Exception != null && Matches(h.Signal, o.Exception.Vector)
            ? []
            : [$"the host CPU faulted ({h.SignalName}); the engine stopped with {o.Run.Stop}{(o.Exception != null ? $" ({o.Exception.Vector}: {o.Exception.Description})" : "")} at rip 0x{o.Rip:X}"];
    }

    /// <summary>The signal Linux sends for a user-mode exception.</summary>
    static bool Matches(int signal, ExceptionVector v) => signal switch
    {
        8 => v == ExceptionVector.DE,
        4 => v == ExceptionVector.UD,
        11 or 7 => v is ExceptionVector.GP or ExceptionVector.PF or ExceptionVector.SS or ExceptionVector.AC,
        _ => false,
    };

    /// <summary>Null when the host, the interpreter and the translator agree on <paramref name="h"/>; otherwise the
    /// engine that differs (false: the interpreter, true: the translator), for <see cref="Shrink"/>.</summary>
    public static bool? Check(RandomProgram p, HostRun h)
    {
        foreach (bool translate in new[] { false, true })
            if (Diff(p, p.Steps.Count, h, translate, tally: true).Count > 0) return translate;
        return null;
    }

    /// <summary>A report on a program that differs under one engine: the shortest differing prefix and a minimal
    /// reproducer (about one more ELF per step, so only for the few failures that are printed).</summary>
    public static string Shrink(RandomProgram p, HostRun whole, bool translate)
    {
        int n = p.Steps.Count;
        List<string> diffs = Diff(p, n, whole, translate);
        // Every shorter prefix in one ELF: the first that differs is the shortest.
        var prefixes = n > 1 ? ElfOracle.Run(Enumerable.Range(1, n - 1).Select(k => (p, k)).ToList()) : [];
        for (int k = 1; k < n; k++)
        {
            var d = Diff(p, k, prefixes[k - 1], translate);
            if (d.Count > 0) { n = k; diffs = d; break; }
        }
        // Then drop the earlier steps one at a time while the prefix still differs: a minimal reproducer.
        var reduced = new RandomProgram { Seed = p.Seed, Input = p.Input, Steps = p.Steps.Take(n).ToList() };
        var reducedDiffs = diffs;
        for (int i = reduced.Steps.Count - 2; i >= 0; i--)
        {
            var without = new RandomProgram { Seed = p.Seed, Input = p.Input, Steps = reduced.Steps.Where((_, j) => j != i).ToList() };
            var d = Diff(without, without.Steps.Count, ElfOracle.Run([(without, without.Steps.Count)])[0], translate);
            if (d.Count > 0) { reduced = without; reducedDiffs = d; }
        }
        var sb = new StringBuilder();
        sb.AppendLine($"program seed 0x{p.Seed:X16} ({p.Steps.Count} steps) differs from the host CPU under the {(translate ? "translator engine" : "interpreter")}; shortest differing prefix: {n} step(s)");
        sb.AppendLine($"  input: {EngineRunner.DescribeInput(AsVector(p, whole))}");
        sb.AppendLine("  prefix (each step is followed by the flag fold into r15):");
        sb.AppendLine(p.Listing(n));
        foreach (var d in diffs) sb.AppendLine("  " + d);
        sb.AppendLine($"  reduced to {reduced.Steps.Count} step(s) of the prefix (same input):");
        sb.AppendLine(reduced.Listing());
        foreach (var d in reducedDiffs) sb.AppendLine("  " + d);
        return sb.ToString();
    }
}
