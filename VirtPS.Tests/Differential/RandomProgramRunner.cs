using System.Text;

namespace VirtPS.Tests.Differential;

/// <summary>
/// Runs a <see cref="RandomProgram"/> on the host CPU (in-process through <see cref="NativeCpu"/>: the same
/// fixed-address RWX window as the single-instruction tests, so addresses and RIP-relative operands coincide)
/// and on the engine, under the interpreter and under the block translator (through <see cref="EngineRunner"/>,
/// as a HLT-terminated sequence), and compares all GPRs, RFLAGS and the data buffer. On a difference it shrinks
/// the program to the shortest differing prefix.
/// </summary>
internal static class RandomProgramRunner
{
    /// <summary>Translator coverage over all checks so far: blocks compiled, guest instructions retired from
    /// compiled code (kept instructions) and callouts (instructions the translator hands back to the interpreter's semantics).</summary>
    public static long BlocksCompiled, CompiledInstructions, Callouts;

    static Vector AsVector(RandomProgram p, int count) =>
        new() { Form = $"random:{p.Seed:X16}", Code = p.Encode(count), Sequence = true, Input = p.Input.Clone() };

    /// <summary>Differences between the host and the engine for the first <paramref name="count"/> steps; empty when they agree.</summary>
    public static List<string> Diff(RandomProgram p, int count, bool translate)
    {
        var v = AsVector(p, count);
        v.Output = NativeCpu.Run(v.Code, v.Input);
        return EngineRunner.Check(v, EngineRunner.Run(v, translate));
    }

    /// <summary>Null when the host, the interpreter and the translator agree; otherwise a report with the shortest differing prefix.</summary>
    public static string? Check(RandomProgram p)
    {
        var v = AsVector(p, p.Steps.Count);
        v.Output = NativeCpu.Run(v.Code, v.Input);
        foreach (bool translate in new[] { false, true })
        {
            var outcome = EngineRunner.Run(v, translate, out var translator);
            if (translator != null)
            {
                Interlocked.Add(ref BlocksCompiled, translator.BlocksCompiled);
                Interlocked.Add(ref CompiledInstructions, translator.InstructionsExecuted);
                Interlocked.Add(ref Callouts, translator.CalloutsExecuted);
            }
            if (EngineRunner.Check(v, outcome).Count == 0) continue;
            return Shrink(p, translate);
        }
        return null;
    }

    static string Shrink(RandomProgram p, bool translate)
    {
        int n = p.Steps.Count;
        List<string> diffs = Diff(p, n, translate);
        for (int k = 1; k < n; k++)
        {
            var d = Diff(p, k, translate);
            if (d.Count > 0) { n = k; diffs = d; break; }
        }
        // Then drop the earlier steps one at a time while the prefix still differs: a minimal reproducer.
        var reduced = new RandomProgram { Seed = p.Seed, Input = p.Input, Steps = p.Steps.Take(n).ToList() };
        var reducedDiffs = diffs;
        for (int i = reduced.Steps.Count - 2; i >= 0; i--)
        {
            var without = new RandomProgram { Seed = p.Seed, Input = p.Input, Steps = reduced.Steps.Where((_, j) => j != i).ToList() };
            var d = Diff(without, without.Steps.Count, translate);
            if (d.Count > 0) { reduced = without; reducedDiffs = d; }
        }
        var sb = new StringBuilder();
        sb.AppendLine($"program seed 0x{p.Seed:X16} ({p.Steps.Count} steps) differs from the host CPU under the {(translate ? "block translator" : "interpreter")}; shortest differing prefix: {n} step(s)");
        sb.AppendLine($"  input: {EngineRunner.DescribeInput(AsVector(p, 0))}");
        sb.AppendLine("  prefix (each step is followed by the flag fold into r15):");
        sb.AppendLine(p.Listing(n));
        foreach (var d in diffs) sb.AppendLine("  " + d);
        sb.AppendLine($"  reduced to {reduced.Steps.Count} step(s) of the prefix (same input):");
        sb.AppendLine(reduced.Listing());
        foreach (var d in reducedDiffs) sb.AppendLine("  " + d);
        return sb.ToString();
    }
}
