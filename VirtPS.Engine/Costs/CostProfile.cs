using System.Text.Json;

namespace VirtPS.Engine.Costs;

/// <summary>One primitive event's price in cycles and where that number comes from.</summary>
public sealed record Cost(double Cycles, string Source);

/// <summary>
/// Cycles for primitive events only, read from a JSON profile that names a source for every number.
/// Composite results (a workload's cycles, a style's overhead) are never stored: they are counted
/// events times these prices.
/// </summary>
public sealed class CostProfile
{
    CostProfile(string name, string description, IReadOnlyDictionary<string, Cost> costs)
    { Name = name; Description = description; Costs = costs; }

    public string Name { get; }
    public string Description { get; }
    public IReadOnlyDictionary<string, Cost> Costs { get; }

    /// <summary>Price of one instruction retired natively.</summary>
    public double InstructionRetired => Costs["InstructionRetired"].Cycles;

    public static CostProfile Default { get; } = Load("default.json");

    /// <summary>Cycles for a run that retired <paramref name="instructions"/> natively.</summary>
    public long CyclesFor(long instructions) => (long)Math.Round(instructions * InstructionRetired);

    static CostProfile Load(string resource)
    {
        var asm = typeof(CostProfile).Assembly;
        using var s = asm.GetManifestResourceStream("VirtPS.Engine.Costs.Profiles." + resource)
            ?? throw new InvalidOperationException($"Cost profile {resource} is not embedded.");
        return Parse(s);
    }

    /// <summary>Reads a profile: <c>{ name, description, costs: { Event: { cycles, source } } }</c>.</summary>
    public static CostProfile Parse(Stream json)
    {
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        var costs = new Dictionary<string, Cost>();
        foreach (var p in root.GetProperty("costs").EnumerateObject())
            costs[p.Name] = new Cost(p.Value.GetProperty("cycles").GetDouble(), p.Value.GetProperty("source").GetString() ?? "");
        return new CostProfile(root.GetProperty("name").GetString() ?? "", root.TryGetProperty("description", out var d) ? d.GetString() ?? "" : "", costs);
    }
}
