using System.Diagnostics;
using System.Globalization;
using System.Text;
using VirtPS.Engine.Cpu;
using VirtPS.Engine.Guests;
using Xunit;
using Xunit.Abstractions;

namespace VirtPS.Tests.Differential;

/// <summary>A fact that needs the host-CPU oracle (x86-64 Linux, nasm and ld on PATH); skipped with the reason otherwise.</summary>
public sealed class OracleFactAttribute : FactAttribute
{
    public OracleFactAttribute() { if (ElfOracle.WhyNot is { } why) Skip = why; }
}

/// <summary>
/// Issue 16's safety net: seeded random straight-line programs run on the host CPU (the oracle: nasm, ld -static, a
/// child process), the interpreter and the translator engine must end in the same state; and random byte strings run
/// as bare guests under every style that runs bare code, under both engines, must end in a guest event, never a host
/// exception. The seed is fixed (so CI is deterministic) and printed; VIRTPS_RANDOM_SEED (hex) and VIRTPS_RANDOM_COUNT
/// run other or more programs.
/// </summary>
public class RandomProgramTests(ITestOutputHelper output)
{
    const ulong DefaultSeed = 0x1616_5AFE_7E57_0001UL;
    const int DefaultPrograms = 2000;
    /// <summary>Programs per ELF: enough to amortize nasm, ld and the process start; small enough to overlap with the engine.</summary>
    const int BatchSize = 500;

    static ulong BaseSeed =>
        Environment.GetEnvironmentVariable("VIRTPS_RANDOM_SEED") is { Length: > 0 } s
            ? ulong.Parse(s.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? s[2..] : s, NumberStyles.HexNumber, CultureInfo.InvariantCulture)
            : DefaultSeed;

    static int Count(int fallback) =>
        Environment.GetEnvironmentVariable("VIRTPS_RANDOM_COUNT") is { Length: > 0 } s ? int.Parse(s, CultureInfo.InvariantCulture) : fallback;

    /// <summary>VIRTPS_RANDOM_FIRST: the number of the first program (0 by default), to re-run one program of a long run
    /// (VIRTPS_RANDOM_FIRST=73512 VIRTPS_RANDOM_COUNT=1) or to split a long run into pieces.</summary>
    static int First => Environment.GetEnvironmentVariable("VIRTPS_RANDOM_FIRST") is { Length: > 0 } s ? int.Parse(s, CultureInfo.InvariantCulture) : 0;

    static ulong ProgramSeed(ulong baseSeed, int i) => new Rng(baseSeed + (ulong)i * 0x9E37_79B9_7F4A_7C15UL).Next();

    [OracleFact]
    public void RandomPrograms_match_the_host_cpu_under_both_engines()
    {
        ulong seed = BaseSeed;
        int count = Count(DefaultPrograms), start = First;
        output.WriteLine($"random programs: base seed 0x{seed:X16} (VIRTPS_RANDOM_SEED), {count} programs (VIRTPS_RANDOM_COUNT) from #{start} (VIRTPS_RANDOM_FIRST), {BatchSize} per ELF");
        long blocks0 = RandomProgramRunner.BlocksCompiled, kept0 = RandomProgramRunner.CompiledInstructions,
             callouts0 = RandomProgramRunner.Callouts, faults0 = RandomProgramRunner.HostFaults;
        var sw = Stopwatch.StartNew();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var childCpu = ElfOracle.ChildrenCpu();
        int batches = (count + BatchSize - 1) / BatchSize;
        long hostTicks = 0;
        // The host side of a batch (generate, nasm, ld, run the child) is made on a worker while the engines check the
        // batch before it; only the batch being checked and the next one are held in memory.
        Task<(RandomProgram[] Programs, HostRun[] Runs)> Host(int b) => Task.Run(() =>
        {
            var t = Stopwatch.GetTimestamp();
            int first = b * BatchSize, n = Math.Min(BatchSize, count - first);
            var programs = Enumerable.Range(start + first, n).Select(i => RandomProgramGenerator.Generate(ProgramSeed(seed, i))).ToArray();
            var runs = ElfOracle.Run(programs.Select(p => (p, p.Steps.Count)).ToList());
            Interlocked.Add(ref hostTicks, Stopwatch.GetTimestamp() - t);
            return (programs, runs);
        });
        var failures = new StringBuilder();
        int failed = 0, instructions = 0;
        var failedIndexes = new List<string>();
        var next = batches > 0 ? Host(0) : null;
        for (int b = 0; b < batches; b++)
        {
            var (programs, runs) = next!.Result;
            next = b + 1 < batches ? Host(b + 1) : null;
            var differs = new bool?[programs.Length];
            Parallel.For(0, programs.Length, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(2, Environment.ProcessorCount) }, i =>
            {
                Interlocked.Add(ref instructions, programs[i].Steps.Count);
                differs[i] = RandomProgramRunner.Check(programs[i], runs[i]);
            });
            for (int i = 0; i < programs.Length; i++)
            {
                if (differs[i] is not { } translate) continue;
                if (failed < 20) failedIndexes.Add($"#{start + b * BatchSize + i} ({(translate ? "translator" : "interpreter")})");
                if (++failed <= 3)
                    failures.AppendLine($"program #{start + b * BatchSize + i} (base seed 0x{seed:X16}): " + RandomProgramRunner.Shrink(programs[i], runs[i], translate));
            }
        }
        output.WriteLine($"{count} programs, {instructions} instructions under test, {sw.Elapsed.TotalSeconds:F1} s "
            + $"({(Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds:F1} s of CPU in this process; "
            + $"{(ElfOracle.ChildrenCpu() - childCpu).TotalSeconds:F1} s in nasm, ld and the ELFs; host side {Stopwatch.GetElapsedTime(0, hostTicks).TotalSeconds:F1} s on a worker); "
            + $"{RandomProgramRunner.HostFaults - faults0} faulted on the host (and alike in the engine); translator: "
            + $"{RandomProgramRunner.BlocksCompiled - blocks0} blocks compiled, {RandomProgramRunner.CompiledInstructions - kept0} instructions retired as compiled code, "
            + $"{RandomProgramRunner.Callouts - callouts0} callouts");
        Assert.True(failed == 0, $"{failed} random program(s) differ (base seed 0x{seed:X16}): {string.Join(", ", failedIndexes)}{(failed > 20 ? ", ..." : "")}; the first {Math.Min(failed, 3)}:\n{failures}");
    }

    /// <summary>The styles that run bare code. The others cannot take a byte string: Paravirtual runs only its
    /// modified kernel, Library a PE, Application class files (checked below, so a style that learns to is added here).</summary>
    static readonly VirtualizationStyle[] BareStyles =
    [
        VirtualizationStyle.Native, VirtualizationStyle.Emulation, VirtualizationStyle.TrapAndEmulate,
        VirtualizationStyle.BinaryTranslation, VirtualizationStyle.HardwareAssisted,
    ];

    [Fact]
    public void Random_bytes_end_in_a_guest_event_under_every_style()
    {
        foreach (var style in VirtPS.Engine.Styles.Vmm.Available.Except(BareStyles))
            Assert.Throws<VirtPSException>(() => Guest.Create("bare", style, 2, [0xF4]));
        ulong seed = BaseSeed ^ 0xB17E5;
        const int Total = 10_000;
        output.WriteLine($"random byte strings: seed 0x{seed:X16}, {Total} strings over {BareStyles.Length} styles, "
            + "alternately under the interpreter and the translator engine (Emulation is interpreted by definition)");
        var sw = Stopwatch.StartNew();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var r = new Rng(seed);
        var strings = new byte[Total][];
        for (int i = 0; i < Total; i++)
        {
            strings[i] = new byte[1 + r.Below(64)];
            for (int j = 0; j < strings[i].Length; j++) strings[i][j] = (byte)r.Next();
        }
        var problems = new string?[Total];
        var stops = new StopReason?[Total];
        long compiled = 0;
        // Guests share nothing: the strings run on every core.
        Parallel.For(0, Total, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(2, Environment.ProcessorCount) }, i =>
        {
            var style = BareStyles[i % BareStyles.Length];
            bool translate = (i / BareStyles.Length) % 2 == 1 && style != VirtualizationStyle.Emulation;
            var bytes = strings[i];
            string what = $"#{i} {style}{(translate ? " (translator)" : "")} [{Convert.ToHexString(bytes)}]";
            try
            {
                var g = Guest.Create($"r{i}", style, 2, bytes);
                if (translate)
                {
                    // Compiled from the second run of a block (loops), and every eighth string from the first: compiling a
                    // block costs a millisecond or two, and a string that runs on into zeroed memory passes dozens of blocks.
                    g.Machine.Engine = ExecutionEngine.Translator;
                    g.Machine.HostTranslator!.CompileThreshold = (i / BareStyles.Length) % 16 == 1 ? 0 : 1;
                }
                var res = g.Step(2_000);
                stops[i] = res.StopReason;
                if (res.StopReason is not (StopReason.Halt or StopReason.Exception or StopReason.TripleFault or StopReason.InstructionLimit))
                    problems[i] = $"{what}: stopped with {res.StopReason}";
                // A translator that cannot compile a block falls back to interpreting it: a host exception all the same.
                foreach (var t in new[] { g.Machine.HostTranslator, g.Machine.Translator })
                    if (t is { Failures: > 0 }) problems[i] = $"{what}: the translator failed: {t.LastFailure}";
                Interlocked.Add(ref compiled, g.Machine.HostTranslator?.BlocksCompiled ?? 0);
            }
            catch (Exception e)
            {
                problems[i] = $"{what}: host exception {e.GetType().Name}: {e.Message}";
            }
        });
        var counts = stops.OfType<StopReason>().GroupBy(s => s).OrderBy(g => g.Key).Select(g => $"{g.Key} {g.Count()}");
        var failed = problems.OfType<string>().ToList();
        output.WriteLine($"{sw.Elapsed.TotalSeconds:F1} s ({(Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds:F1} s of CPU); stops: {string.Join(", ", counts)}; {compiled} blocks compiled by the translator engine");
        Assert.True(failed.Count == 0, $"{failed.Count} random byte strings (seed 0x{seed:X16}) ended otherwise than in a guest event:\n{string.Join("\n", failed.Take(10))}");
    }
}
