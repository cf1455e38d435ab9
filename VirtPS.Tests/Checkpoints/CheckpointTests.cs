using System.Reflection;
using VirtPS.Engine.Checkpoints;
using VirtPS.Engine.Guests;
using Xunit;

namespace VirtPS.Tests.Checkpoints;

/// <summary>A checkpoint rewinds a guest exactly: run on from a restored checkpoint, it gives the console, registers and
/// every counter of the run that was never interrupted (the engine's determinism is the oracle).</summary>
public class CheckpointTests
{
    /// <summary>Everything a run shows: the console, the CPU's registers and flags, and every figure Measure-VGuest gives
    /// but host time.</summary>
    static string Outcome(Guest g)
    {
        var cpu = g.Machine.Cpu;
        var m = g.Measure();
        var figures = typeof(GuestMeasurement).GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.Name is not (nameof(GuestMeasurement.HostSeconds) or nameof(GuestMeasurement.Mips)))
            .Select(p => $"{p.Name}={Show(p.GetValue(m))}");
        var regs = Enumerable.Range(0, 16).Select(i => cpu.GetGpr((VirtPS.Engine.Cpu.Gpr)i).ToString("x"));
        return $"{g.Machine.Console.Output}\n{string.Join(" ", regs)} rip={cpu.Rip:x} rflags={cpu.Rflags:x} state={g.State}\n{string.Join("\n", figures)}";
    }

    static string Show(object? v) => v switch
    {
        null => "null",
        string s => s,
        System.Collections.IDictionary d => string.Join(",", d.Keys.Cast<object>().Select(k => $"{k}:{d[k]}").Order()),
        System.Collections.IEnumerable e => string.Join(",", e.Cast<object>().Select(Show)),
        _ => v.ToString() ?? "",
    };

    [Theory]
    [InlineData(VirtualizationStyle.Native, 100_000)]
    [InlineData(VirtualizationStyle.HardwareAssisted, 100_000)]
    [InlineData(VirtualizationStyle.BinaryTranslation, 100_000)]
    [InlineData(VirtualizationStyle.Paravirtual, 100_000)]
    [InlineData(VirtualizationStyle.TrapAndEmulate, 100_000)]
    [InlineData(VirtualizationStyle.Emulation, 100_000)]
    public void Forkwait_restored_at_instruction_N_runs_on_exactly_as_the_uninterrupted_run(VirtualizationStyle style, long n)
    {
        Guest Make() => Guest.CreateWorkload("fw", "forkwait", iterations: 60, style: style);
        // The run never rewound: stopped at instruction N (where the checkpoint will be taken) and run on to its end. (A stop
        // is itself visible to the host-side counters: the block resumed in the middle is decoded, and its fetch counted.)
        var straight = Make();
        straight.Step(n);
        straight.Step(null);
        string expected = Outcome(straight);

        var g = Make();
        g.Step(n);
        var cp = GuestCheckpoint.Capture(g, "before");
        g.Step(null);
        Assert.Equal(expected, Outcome(g));          // taking the checkpoint changed nothing
        cp.Restore(g);
        Assert.Equal(n, g.Instructions);
        g.Step(null);
        Assert.Equal(expected, Outcome(g));          // rewound and run on: the same run
        cp.Restore(g);                               // and again: the checkpoint is not used up
        g.Step(null);
        Assert.Equal(expected, Outcome(g));
    }

    [Fact]
    public void Compiled_translations_are_carried_over_bound_to_the_copy()
    {
        // Kernel code compiled at once (threshold 0): the checkpoint holds compiled blocks whose constants (the translator's
        // counters, the callouts) must be the copy's, or the rewound run would count into the old objects.
        Guest Make()
        {
            var g = Guest.CreateWorkload("bt", "syscall", iterations: 20000, style: VirtualizationStyle.BinaryTranslation);
            g.Machine.Translator!.CompileThreshold = 0;
            return g;
        }
        var straight = Make();
        straight.Step(200_000);
        straight.Step(null);
        string expected = Outcome(straight);
        Assert.True(straight.Machine.Translator!.BlocksCompiled > 0);

        var g = Make();
        g.Step(200_000);
        var cp = GuestCheckpoint.Capture(g, "mid");
        g.Step(null);
        cp.Restore(g);
        g.Step(null);
        Assert.Equal(expected, Outcome(g));
    }

    [Theory]
    [InlineData(VirtualizationStyle.Native)]
    [InlineData(VirtualizationStyle.HardwareAssisted)]
    [InlineData(VirtualizationStyle.Paravirtual)]
    public void A_checkpoint_written_to_a_file_and_read_into_a_new_guest_runs_on_the_same(VirtualizationStyle style)
    {
        const long n = 100_000;
        Guest Make() => Guest.CreateWorkload("fw", "forkwait", iterations: 60, style: style);
        var straight = Make();
        straight.Step(n);
        straight.Step(null);
        string expected = Outcome(straight);

        var g = Make();
        g.Step(n);
        var file = new MemoryStream();
        CheckpointFile.Write(GuestCheckpoint.Capture(g, "mid"), file);
        var contents = CheckpointFile.Read(file.ToArray(), "mid.vpscheckpoint");
        var copy = Guest.Create(contents.Spec);
        CheckpointFile.Load(contents, copy);
        Assert.Equal(n, copy.Instructions);
        copy.Step(null);
        Assert.Equal(expected, Outcome(copy));
    }
}
