using System.Diagnostics;
using System.Globalization;
using System.Text;
using VirtPS.Engine.Guests;
using Xunit;
using Xunit.Abstractions;

namespace VirtPS.Tests.Differential;

/// <summary>
/// Issue 16's safety net: seeded random straight-line programs run on the host CPU (the oracle), the
/// interpreter and the block translator must end in the same state; and random byte strings run as bare
/// guests under every style must end in a guest event, never a host exception.
/// The seed is fixed (so CI is deterministic) and printed; VIRTPS_RANDOM_SEED (hex) and VIRTPS_RANDOM_COUNT
/// run other or more programs.
/// </summary>
public class RandomProgramTests(ITestOutputHelper output)
{
    const ulong DefaultSeed = 0x1616_5AFE_7E57_0001UL;
    const int DefaultPrograms = 2000;

    static ulong BaseSeed =>
        Environment.GetEnvironmentVariable("VIRTPS_RANDOM_SEED") is { Length: > 0 } s
            ? ulong.Parse(s.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? s[2..] : s, NumberStyles.HexNumber, CultureInfo.InvariantCulture)
            : DefaultSeed;

    static int Count(int fallback) =>
        Environment.GetEnvironmentVariable("VIRTPS_RANDOM_COUNT") is { Length: > 0 } s ? int.Parse(s, CultureInfo.InvariantCulture) : fallback;

    static ulong ProgramSeed(ulong baseSeed, int i) => new Rng(baseSeed + (ulong)i * 0x9E37_79B9_7F4A_7C15UL).Next();

    [NativeFact]
    public void RandomPrograms_match_the_host_cpu_under_interpreter_and_translator()
    {
        ulong seed = BaseSeed;
        int count = Count(DefaultPrograms);
        output.WriteLine($"random programs: base seed 0x{seed:X16} (VIRTPS_RANDOM_SEED), {count} programs (VIRTPS_RANDOM_COUNT)");
        long blocks0 = RandomProgramRunner.BlocksCompiled, kept0 = RandomProgramRunner.CompiledInstructions, callouts0 = RandomProgramRunner.Callouts;
        var sw = Stopwatch.StartNew();
        var reports = new string?[count];
        int instructions = 0;
        // Two workers: the host runs are serialized inside NativeCpu; the engine runs (most of the time) overlap.
        Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(2, Environment.ProcessorCount) }, i =>
        {
            var p = RandomProgramGenerator.Generate(ProgramSeed(seed, i));
            Interlocked.Add(ref instructions, p.Steps.Count);
            reports[i] = RandomProgramRunner.Check(p);
        });
        var failures = new StringBuilder();
        int failed = 0;
        for (int i = 0; i < count; i++)
        {
            if (reports[i] == null) continue;
            if (++failed <= 3) failures.AppendLine($"program #{i} (base seed 0x{seed:X16}): " + reports[i]);
        }
        output.WriteLine($"{count} programs, {instructions} instructions under test, {sw.Elapsed.TotalSeconds:F1} s; translator: "
            + $"{RandomProgramRunner.BlocksCompiled - blocks0} blocks compiled, {RandomProgramRunner.CompiledInstructions - kept0} instructions retired as compiled code, "
            + $"{RandomProgramRunner.Callouts - callouts0} callouts");
        Assert.True(failed == 0, $"{failed} random program(s) differ (base seed 0x{seed:X16}):\n{failures}");
    }

    static readonly VirtualizationStyle[] BareStyles =
    [
        VirtualizationStyle.Native, VirtualizationStyle.Emulation, VirtualizationStyle.TrapAndEmulate,
        VirtualizationStyle.BinaryTranslation, VirtualizationStyle.HardwareAssisted,
    ];

    [Fact]
    public void Random_bytes_end_in_a_guest_event_under_every_style()
    {
        ulong seed = BaseSeed ^ 0xB17E5;
        const int Total = 10_000;
        output.WriteLine($"random byte strings: seed 0x{seed:X16}, {Total} strings over {BareStyles.Length} styles");
        var sw = Stopwatch.StartNew();
        var r = new Rng(seed);
        var problems = new List<string>();
        var stops = new Dictionary<StopReason, int>();
        for (int i = 0; i < Total; i++)
        {
            var style = BareStyles[i % BareStyles.Length];
            var bytes = new byte[1 + r.Below(64)];
            for (int j = 0; j < bytes.Length; j++) bytes[j] = (byte)r.Next();
            try
            {
                var g = Guest.Create($"r{i}", style, 2, bytes);
                var res = g.Step(2_000);
                stops[res.StopReason] = stops.GetValueOrDefault(res.StopReason) + 1;
                if (res.StopReason is not (StopReason.Halt or StopReason.Exception or StopReason.TripleFault or StopReason.InstructionLimit))
                    problems.Add($"#{i} {style} [{Convert.ToHexString(bytes)}]: stopped with {res.StopReason}");
            }
            catch (Exception e)
            {
                problems.Add($"#{i} {style} [{Convert.ToHexString(bytes)}]: host exception {e.GetType().Name}: {e.Message}");
            }
            if (problems.Count >= 10) break;
        }
        output.WriteLine($"{sw.Elapsed.TotalSeconds:F1} s; stops: {string.Join(", ", stops.Select(kv => $"{kv.Key} {kv.Value}"))}");
        Assert.True(problems.Count == 0, $"random byte strings (seed 0x{seed:X16}) ended otherwise than in a guest event:\n{string.Join("\n", problems)}");
    }
}
