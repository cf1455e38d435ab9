using System.Text.Json.Nodes;
using VirtPS.Engine;
using VirtPS.Engine.Checkpoints;
using VirtPS.Engine.Cpu;
using VirtPS.Engine.Guests;
using VirtPS.Engine.Labs;
using VirtPS.Engine.Network;
using Xunit;

namespace VirtPS.Tests.Guests;

/// <summary>A guest's engine (New-VGuest -Engine): its default per style, what refuses it, switching it between steps, and
/// that labs and checkpoints carry it.</summary>
public sealed class EngineTests
{
    /// <summary>The default a guest made without -Engine gets under a style that allows a choice: Translator, unless the
    /// test run set VIRTPS_ENGINE (build.ps1 Test runs the suite once more with Interpreter).</summary>
    static ExecutionEngine Default => Environment.GetEnvironmentVariable(GuestSpec.EngineVariable) is { Length: > 0 } v
        ? Enum.Parse<ExecutionEngine>(v, ignoreCase: true) : ExecutionEngine.Translator;

    static ExecutionEngine Other(ExecutionEngine e) => e == ExecutionEngine.Translator ? ExecutionEngine.Interpreter : ExecutionEngine.Translator;

    [Theory]
    [InlineData(VirtualizationStyle.Native)]
    [InlineData(VirtualizationStyle.TrapAndEmulate)]
    [InlineData(VirtualizationStyle.BinaryTranslation)]
    [InlineData(VirtualizationStyle.HardwareAssisted)]
    [InlineData(VirtualizationStyle.Paravirtual)]
    [InlineData(VirtualizationStyle.Emulation)]
    public void A_guest_made_without_an_engine_gets_its_styles_default(VirtualizationStyle style)
    {
        var g = Guest.CreateWorkload("d", "compute", iterations: 10, style: style);
        var expected = style == VirtualizationStyle.Emulation ? ExecutionEngine.Interpreter : Default;
        Assert.Equal(expected, g.Engine);
        Assert.Equal(expected == ExecutionEngine.Translator, g.Machine.HostTranslator is not null);
        Assert.Null(g.Spec.Engine);
    }

    [Fact]
    public void Emulation_refuses_the_translator_and_nothing_is_made()
    {
        var lab = new Lab();
        var e = Assert.Throws<VirtPSException>(() => lab.Create(new GuestSpec
        {
            Name = "emu", Style = VirtualizationStyle.Emulation, Kind = GuestImageKind.Workload, Workload = "compute", Engine = ExecutionEngine.Translator,
        }));
        Assert.Equal(ErrorIds.StyleNeedsInterpreter, e.ErrorId);
        Assert.Equal(ErrorKind.InvalidArgument, e.Kind);
        Assert.Empty(lab.Guests);
        // Asked for explicitly, the interpreter is what Emulation has anyway; switching later is refused the same way.
        var g = lab.Create(new GuestSpec { Name = "emu", Style = VirtualizationStyle.Emulation, Kind = GuestImageKind.Workload, Workload = "compute", Engine = ExecutionEngine.Interpreter });
        Assert.Equal(ExecutionEngine.Interpreter, g.Engine);
        Assert.Equal(ErrorIds.StyleNeedsInterpreter, Assert.Throws<VirtPSException>(() => g.SetEngine(ExecutionEngine.Translator)).ErrorId);
        Assert.Equal(ExecutionEngine.Interpreter, g.Engine);
    }

    [Fact]
    public void A_kvm_guest_takes_no_engine_and_is_refused_before_the_device_is_opened()
    {
        // A device path that cannot exist: were the engine checked after KVM, this would be KvmUnavailable.
        var e = Assert.Throws<VirtPSException>(() => Guest.Create(new GuestSpec
        {
            Name = "k", Kind = GuestImageKind.Workload, Workload = "compute", Backend = Engine.Kvm.ExecutionBackend.Kvm,
            KvmDevicePath = "/nonexistent/kvm", Engine = ExecutionEngine.Interpreter,
        }));
        Assert.Equal(ErrorIds.EngineNeedsSimulator, e.ErrorId);
        Assert.Equal(ErrorKind.InvalidArgument, e.Kind);
    }

    /// <summary>Switching engines at arbitrary instruction boundaries ends exactly where either engine alone ends.</summary>
    [Fact]
    public void Switching_engines_between_steps_changes_nothing_the_guest_can_see()
    {
        Guest Make(ExecutionEngine e) => Guest.Create(new GuestSpec
        {
            Name = "sw", Style = VirtualizationStyle.HardwareAssisted, Kind = GuestImageKind.Workload, Workload = "ctxswitch", Iterations = 2000, Engine = e,
        });
        var straight = Make(ExecutionEngine.Interpreter);
        straight.Step(null);
        var g = Make(ExecutionEngine.Interpreter);
        long compiled = 0;
        for (int i = 0; g.State == GuestState.Ready; i++)
        {
            g.SetEngine(i % 2 == 0 ? ExecutionEngine.Translator : ExecutionEngine.Interpreter);
            g.Step(77_777 + 1_000 * i);
            compiled += g.Machine.HostTranslator?.BlocksCompiled ?? 0;
        }
        Assert.True(compiled > 0, "the translator's stretches compiled nothing");
        Assert.Equal(GuestState.Halted, g.State);
        Assert.Equal(straight.Instructions, g.Instructions);
        Assert.Equal(straight.Cycles, g.Cycles);
        Assert.Equal(straight.Console.Output, g.Console.Output);
        Assert.Equal(straight.Machine.Cpu.Rip, g.Machine.Cpu.Rip);
        Assert.Equal(straight.Measure().Events.Select(x => x.ToString()), g.Measure().Events.Select(x => x.ToString()));
    }

    [Fact]
    public void A_lab_file_carries_a_chosen_engine_and_an_older_file_without_it_gets_the_default()
    {
        var lab = new Lab();
        var world = new NetworkWorld();
        var chosen = Other(Default);
        lab.Create(new GuestSpec { Name = "chosen", Kind = GuestImageKind.Workload, Workload = "compute", Engine = chosen });
        lab.Create(new GuestSpec { Name = "plain", Kind = GuestImageKind.Workload, Workload = "compute" });
        var switched = lab.Create(new GuestSpec { Name = "switched", Kind = GuestImageKind.Workload, Workload = "compute" });
        switched.SetEngine(chosen);
        lab.Create(new GuestSpec { Name = "emu", Style = VirtualizationStyle.Emulation, Kind = GuestImageKind.Workload, Workload = "compute" });
        string json = LabFile.Write(LabFile.Capture(lab, world));

        var guests = JsonNode.Parse(json)!["guests"]!.AsArray();
        string? Field(string name) => guests.Single(g => (string?)g!["name"] == name)!["engine"]?.GetValue<string>();
        Assert.Equal(chosen.ToString(), Field("chosen"));
        Assert.Null(Field("plain"));                 // a default stays a default
        Assert.Equal(chosen.ToString(), Field("switched"));
        Assert.Null(Field("emu"));

        var back = new Lab();
        LabFile.Import(LabFile.Read(json, "lab.json"), back, new NetworkWorld(), "lab.json");
        Assert.Equal(chosen, back.Get("chosen").Engine);
        Assert.Equal(Default, back.Get("plain").Engine);
        Assert.Equal(chosen, back.Get("switched").Engine);
        Assert.Equal(ExecutionEngine.Interpreter, back.Get("emu").Engine);

        // A file written before the field existed: every guest gets its style's default.
        var old = JsonNode.Parse(json)!;
        foreach (var g in old["guests"]!.AsArray()) g!.AsObject().Remove("engine");
        var older = new Lab();
        LabFile.Import(LabFile.Read(old.ToJsonString(), "old.json"), older, new NetworkWorld(), "old.json");
        Assert.Equal(Default, older.Get("chosen").Engine);
        Assert.Equal(ExecutionEngine.Interpreter, older.Get("emu").Engine);

        // An engine a style refuses is refused on import too, before anything is made.
        var bad = JsonNode.Parse(json)!;
        bad["guests"]!.AsArray().Single(g => (string?)g!["name"] == "emu")!["engine"] = "Translator";
        var none = new Lab();
        var e = Assert.Throws<VirtPSException>(() => LabFile.Import(LabFile.Read(bad.ToJsonString(), "bad.json"), none, new NetworkWorld(), "bad.json"));
        Assert.Equal(ErrorIds.StyleNeedsInterpreter, e.ErrorId);
        Assert.Empty(none.Guests);
    }

    /// <summary>A translator guest checkpointed after blocks were compiled (their code is a host cache, not guest state):
    /// restored in place and read back from a file, it runs on to the same end as the run that never stopped.</summary>
    [Fact]
    public void A_translator_guest_checkpointed_mid_run_runs_on_the_same_restored_and_from_a_file()
    {
        Guest Make(string name) => Guest.Create(new GuestSpec
        {
            Name = name, Kind = GuestImageKind.Workload, Workload = "syscall", Iterations = 20_000, Engine = ExecutionEngine.Translator,
        });
        static string End(Guest g) => $"{g.Instructions} {g.Cycles} {g.Machine.Cpu.Rip:X} {g.Console.Output}";
        var straight = Make("s");
        straight.Step(null);

        var g = Make("g");
        g.Step(300_000);
        Assert.True(g.Machine.HostTranslator!.BlocksCompiled > 0);
        var cp = GuestCheckpoint.Capture(g, "mid");
        using var file = new MemoryStream();
        CheckpointFile.Write(cp, file);
        g.Step(null);
        Assert.Equal(End(straight), End(g));
        cp.Restore(g);
        Assert.Equal(ExecutionEngine.Translator, g.Engine);
        g.Step(null);
        Assert.Equal(End(straight), End(g));

        var copy = GuestCheckpoints.Import(file.ToArray(), "mid.vpscheckpoint", "copy");
        Assert.Equal(ExecutionEngine.Translator, copy.Engine);
        copy.Step(null);
        Assert.Equal(End(straight), End(copy));
    }
}
