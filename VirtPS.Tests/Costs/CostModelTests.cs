using System.Text.Json;
using System.Text.Json.Nodes;
using VirtPS.Engine;
using VirtPS.Engine.Costs;
using VirtPS.Engine.Guests;
using Xunit;

namespace VirtPS.Tests.Costs;

public class CostModelTests
{
    static readonly CostEvent[] Events = Enum.GetValues<CostEvent>();

    public static TheoryData<string> Profiles() => new(CostModel.BuiltinNames);

    [Theory]
    [MemberData(nameof(Profiles))]
    public void BuiltinProfilePricesEveryEventWithASource(string name)
    {
        var m = CostModel.Builtin(name);
        Assert.Equal(name, m.Name);
        Assert.Equal("builtin", m.Origin);
        Assert.False(string.IsNullOrWhiteSpace(m.Description));
        Assert.Equal(Events, m.Costs.Select(c => c.Event));
        foreach (var e in Events)
        {
            var c = m.GetCost(e);
            Assert.True(double.IsFinite(c.Cycles) && c.Cycles >= 0, $"{name}.{e}");
            Assert.True(c.Source.Length > 20, $"{name}.{e} needs a real source");
            Assert.Equal(c.Cycles, m.Cycles(e));
        }
    }

    [Theory]
    [MemberData(nameof(Profiles))]
    public void ProfileJsonFieldsAreInEnumOrder(string name)
    {
        using var s = typeof(CostModel).Assembly.GetManifestResourceStream($"VirtPS.Engine.Costs.Profiles.{name}.json")!;
        using var doc = JsonDocument.Parse(s);
        Assert.Equal(Enum.GetNames<CostEvent>(), doc.RootElement.GetProperty("costs").EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public void ModernCarriesTheKvmUnitTestsExitFigures()
    {
        var m = CostModel.Builtin("modern");   // names compare without case
        Assert.Same(CostModel.Default, m);
        // A VMCALL round trip with a handler that does nothing: the hardware transition plus the VMM's exit path.
        Assert.Equal(1200, m.Cycles(CostEvent.VmExit) + m.Cycles(CostEvent.ExitHandling));
        Assert.Contains("kvm-unit-tests", m.GetCost(CostEvent.VmExit).Source);
        // The CPUID exit round trip (~1300) is not an input: it is a VmExit plus the emulation work counted with it.
        Assert.DoesNotContain(m.Costs, c => c.Cycles == 1300);
    }

    [Fact]
    public void UnknownProfileNamesItAndListsTheKnownOnes()
    {
        var e = Assert.Throws<VirtPSException>(() => CostModel.Builtin("Pentium3"));
        Assert.Equal("UnknownCostProfile", e.ErrorId);
        Assert.Equal(ErrorKind.ObjectNotFound, e.Kind);
        Assert.Contains("'Pentium3'", e.Message);
        Assert.Contains("Pentium4-2006", e.Message);
        Assert.Contains("Modern", e.Message);
    }

    static JsonObject ValidJson()
    {
        var costs = new JsonObject();
        foreach (var e in Events) costs[e.ToString()] = new JsonObject { ["cycles"] = 1.5, ["source"] = "test" };
        return new JsonObject { ["name"] = "T", ["description"] = "d", ["costs"] = costs };
    }

    static InvalidCostModelException Refused(string json)
    {
        var e = Assert.Throws<InvalidCostModelException>(() => CostModel.FromJson(json, "t.json"));
        Assert.Equal("InvalidCostModel", e.ErrorId);
        Assert.Equal(ErrorKind.InvalidData, e.Kind);
        Assert.StartsWith("t.json: ", e.Message);
        return e;
    }

    [Fact]
    public void AValidModelLoads()
    {
        var m = CostModel.FromJson(ValidJson().ToJsonString(), "t.json");
        Assert.Equal("T", m.Name);
        Assert.Equal("t.json", m.Origin);
        Assert.All(Events, e => Assert.Equal(1.5, m.Cycles(e)));
    }

    [Fact]
    public void AMissingEventIsRefusedByName()
    {
        var j = ValidJson();
        j["costs"]!.AsObject().Remove("VmExit");
        var e = Refused(j.ToJsonString());
        Assert.Equal("costs.VmExit", e.Field);
        Assert.Contains("costs.VmExit is missing", e.Message);
    }

    [Fact]
    public void ANegativeCostIsRefusedWithFieldAndValue()
    {
        var j = ValidJson();
        j["costs"]!["Hypercall"]!["cycles"] = -3;
        var e = Refused(j.ToJsonString());
        Assert.Equal("costs.Hypercall.cycles", e.Field);
        Assert.Contains("-3", e.Message);
    }

    [Theory]
    [InlineData("\"NaN\"")]
    [InlineData("\"12\"")]
    [InlineData("null")]
    [InlineData("1e999")]
    public void ANonNumberOrNonFiniteCostIsRefused(string raw)
    {
        var text = ValidJson().ToJsonString().Replace("\"Trap\":{\"cycles\":1.5", "\"Trap\":{\"cycles\":" + raw);
        Assert.Contains("\"Trap\":{\"cycles\":" + raw, text);
        var e = Refused(text);
        Assert.Equal("costs.Trap.cycles", e.Field);
    }

    [Fact]
    public void NaNAndInfinityAreRefusedInCodeToo()
    {
        var costs = Events.ToDictionary(e => e, _ => new Cost(1, "s"));
        costs[CostEvent.Callout] = new Cost(double.NaN, "s");
        var e = Assert.Throws<InvalidCostModelException>(() => CostModel.Create("x", "", costs));
        Assert.Equal("costs.Callout.cycles", e.Field);
        costs[CostEvent.Callout] = new Cost(double.PositiveInfinity, "s");
        Assert.Equal("costs.Callout.cycles", Assert.Throws<InvalidCostModelException>(() => CostModel.Create("x", "", costs)).Field);
    }

    [Fact]
    public void AMissingOrEmptySourceIsRefused()
    {
        var j = ValidJson();
        j["costs"]!["Cpuid"]!.AsObject().Remove("source");
        Assert.Equal("costs.Cpuid.source", Refused(j.ToJsonString()).Field);
        j = ValidJson();
        j["costs"]!["Cpuid"]!["source"] = " ";
        Assert.Equal("costs.Cpuid.source", Refused(j.ToJsonString()).Field);
    }

    [Theory]
    [InlineData("VmEntry")]
    [InlineData("3")]
    [InlineData("Syscall, Sysret")]
    public void AnUnknownEventIsRefusedByName(string name)
    {
        var j = ValidJson();
        j["costs"]![name] = new JsonObject { ["cycles"] = 1, ["source"] = "s" };
        var e = Refused(j.ToJsonString());
        Assert.Equal($"costs.{name}", e.Field);
        Assert.Contains(name, e.Message);
    }

    [Fact]
    public void MalformedJsonIsRefusedWithLineAndPosition()
    {
        var e = Refused("{\n  \"name\": \"x\",\n  \"costs\": { oops }\n}");
        Assert.Equal("$", e.Field);
        Assert.Contains("line 3", e.Message);
        Assert.Contains("position", e.Message);
    }

    [Fact]
    public void MissingNameOrCostsAreRefused()
    {
        var j = ValidJson(); j.Remove("name");
        Assert.Equal("name", Refused(j.ToJsonString()).Field);
        j = ValidJson(); j.Remove("costs");
        Assert.Equal("costs", Refused(j.ToJsonString()).Field);
        j = ValidJson(); j["extra"] = 1;
        Assert.Equal("extra", Refused(j.ToJsonString()).Field);
    }

    [Fact]
    public void LoadReadsAFileAndNamesAMissingOne()
    {
        string path = Path.Combine(Path.GetTempPath(), $"virtps-cost-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, ValidJson().ToJsonString());
        try { Assert.Equal(Path.GetFullPath(path), CostModel.Load(path).Origin); }
        finally { File.Delete(path); }
        var e = Assert.Throws<VirtPSException>(() => CostModel.Load(path));
        Assert.Equal("FileNotFound", e.ErrorId);
    }

    [Fact]
    public void GuestCyclesAreInstructionsTimesTheInstructionPrice()
    {
        var lab = new Lab();
        var g = Guest.Create("g", VirtualizationStyle.Native, 4, [0x90, 0x90, 0xF4]);
        lab.Add(g);
        Assert.Same(lab.DefaultHost, g.Host);
        var r = g.Step(null);
        Assert.Equal(3, r.Instructions);
        // Plus the references of the walks its cold TLB missed on (the code page's ITLB miss): nothing else.
        Assert.Equal((long)Math.Round(3 * CostModel.Default.Cycles(CostEvent.Instruction)
            + g.Machine.Cpu.TlbMissReferences * CostModel.Default.Cycles(CostEvent.PageWalkReference)), r.Cycles);
    }
}
