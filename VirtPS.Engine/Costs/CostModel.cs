using System.Runtime.CompilerServices;
using System.Text.Json;

namespace VirtPS.Engine.Costs;

/// <summary>
/// Cycles for primitive events only, each with the source of its number. Immutable: a host or guest
/// holds one and a change replaces it. Composite results are never stored here: they are counted
/// events (<see cref="EventCounts"/>) times these prices.
/// </summary>
public sealed class CostModel
{
    static readonly CostEvent[] Events = Enum.GetValues<CostEvent>();
    static readonly string[] Known = ["Pentium4-2006", "Modern"];
    static readonly Dictionary<string, CostModel> Cache = new(StringComparer.OrdinalIgnoreCase);

    readonly double[] _cycles;
    readonly Cost[] _costs;

    CostModel(string name, string description, string origin, Cost[] costs)
    {
        Name = name; Description = description; Origin = origin; _costs = costs;
        _cycles = costs.Select(c => c.Cycles).ToArray();
        Costs = Events.Select(e => new CostEntry(e, costs[(int)e].Cycles, costs[(int)e].Source)).ToArray();
    }

    public string Name { get; }
    public string Description { get; }
    /// <summary><c>builtin</c> for an embedded profile, otherwise the file or origin the model was read from.</summary>
    public string Origin { get; }
    /// <summary>Every primitive with its cycles and source, in <see cref="CostEvent"/> order.</summary>
    public IReadOnlyList<CostEntry> Costs { get; }

    /// <summary>Cycles one <paramref name="e"/> costs.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public double Cycles(CostEvent e) => _cycles[(int)e];

    /// <summary>The price of one <paramref name="e"/> with its source.</summary>
    public Cost GetCost(CostEvent e) => _costs[(int)e];

    /// <summary>The names of the embedded profiles.</summary>
    public static IReadOnlyList<string> BuiltinNames => Known;

    /// <summary>The model a default host uses: <c>Modern</c>.</summary>
    public static CostModel Default => Builtin("Modern");

    /// <summary>An embedded profile by name, compared without case; UnknownCostProfile if there is none.</summary>
    public static CostModel Builtin(string name)
    {
        string? known = Known.FirstOrDefault(k => string.Equals(k, name, StringComparison.OrdinalIgnoreCase));
        if (known is null)
            throw new VirtPSException(ErrorIds.UnknownCostProfile, ErrorKind.ObjectNotFound,
                $"No cost profile named '{name}'; use one of: {string.Join(", ", Known)}.", name);
        lock (Cache)
        {
            if (Cache.TryGetValue(known, out var m)) return m;
            using var s = typeof(CostModel).Assembly.GetManifestResourceStream($"VirtPS.Engine.Costs.Profiles.{known}.json")
                ?? throw new InvalidOperationException($"Cost profile {known} is not embedded.");
            using var r = new StreamReader(s);
            m = Parse(r.ReadToEnd(), known, "builtin");
            Cache[known] = m;
            return m;
        }
    }

    /// <summary>Reads a model from a JSON file; FileNotFound or ReadError if it cannot be read, InvalidCostModel if it is not a valid model.</summary>
    public static CostModel Load(string path)
    {
        string full = Path.GetFullPath(path);
        string text;
        try { text = File.ReadAllText(full); }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        { throw new VirtPSException(ErrorIds.FileNotFound, ErrorKind.ObjectNotFound, $"Cannot find the cost model file '{full}'.", full, e); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        { throw new VirtPSException(ErrorIds.FileReadError, ErrorKind.ReadError, $"Cannot read the cost model file '{full}': {e.Message}", full, e); }
        return Parse(text, full, full);
    }

    /// <summary>
    /// Reads a model from JSON: <c>{ "name": ..., "description": ..., "costs": { "&lt;CostEvent&gt;": { "cycles": n, "source": "..." } } }</c>.
    /// Every event must be priced, with a finite, non-negative number of cycles and a source; anything else
    /// is an <see cref="InvalidCostModelException"/> naming the field. <paramref name="origin"/> names the text in messages.
    /// </summary>
    public static CostModel FromJson(string json, string origin) => Parse(json, origin, origin);

    /// <summary>Builds a model in code, checked like a JSON one.</summary>
    public static CostModel Create(string name, string description, IReadOnlyDictionary<CostEvent, Cost> costs, string origin = "code")
    {
        ArgumentNullException.ThrowIfNull(costs);
        if (string.IsNullOrWhiteSpace(name)) throw new InvalidCostModelException(origin, "name", "name must be a non-empty string.");
        var table = new Cost[Events.Length];
        foreach (var (e, c) in costs)
        {
            if (!Enum.IsDefined(e)) throw new InvalidCostModelException(origin, $"costs.{(int)e}", $"costs has an unknown event {(int)e}.");
            Check(origin, $"costs.{e}", c.Cycles, c.Source);
            table[(int)e] = c;
        }
        RequireAll(origin, table);
        return new CostModel(name, description ?? "", origin, table);
    }

    static CostModel Parse(string json, string origin, string modelOrigin)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip }); }
        catch (JsonException e)
        {
            throw new InvalidCostModelException(origin, "$",
                $"malformed JSON at line {(e.LineNumber ?? 0) + 1}, position {(e.BytePositionInLine ?? 0) + 1}: {e.Message}", e);
        }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw new InvalidCostModelException(origin, "$", "the document must be a JSON object.");
            string? name = null, description = null;
            JsonElement? costs = null;
            foreach (var p in root.EnumerateObject())
            {
                switch (p.Name)
                {
                    case "name": name = RequireString(origin, "name", p.Value); break;
                    case "description": description = RequireString(origin, "description", p.Value, allowEmpty: true); break;
                    case "costs": costs = p.Value; break;
                    default: throw new InvalidCostModelException(origin, p.Name, $"'{p.Name}' is not a field of a cost model (name, description, costs).");
                }
            }
            if (name is null) throw new InvalidCostModelException(origin, "name", "name is missing.");
            if (costs is not { } c) throw new InvalidCostModelException(origin, "costs", "costs is missing.");
            if (c.ValueKind != JsonValueKind.Object) throw new InvalidCostModelException(origin, "costs", "costs must be an object of events.");

            var table = new Cost[Events.Length];
            foreach (var p in c.EnumerateObject())
            {
                // Enum.TryParse would also take "3" or "Syscall, Sysret": accept declared names only.
                string? eventName = Enum.GetNames<CostEvent>().FirstOrDefault(n => string.Equals(n, p.Name, StringComparison.OrdinalIgnoreCase));
                string field = $"costs.{p.Name}";
                if (eventName is null)
                    throw new InvalidCostModelException(origin, field, $"{field} is not a cost event; the events are: {string.Join(", ", Enum.GetNames<CostEvent>())}.");
                var e = Enum.Parse<CostEvent>(eventName);
                if (table[(int)e] is not null) throw new InvalidCostModelException(origin, field, $"{field} appears more than once.");
                table[(int)e] = ReadCost(origin, field, p.Value);
            }
            RequireAll(origin, table);
            return new CostModel(name, description ?? "", modelOrigin, table);
        }
    }

    static Cost ReadCost(string origin, string field, JsonElement v)
    {
        if (v.ValueKind != JsonValueKind.Object)
            throw new InvalidCostModelException(origin, field, $"{field} must be an object with cycles and source.");
        double? cycles = null;
        string? source = null;
        foreach (var p in v.EnumerateObject())
        {
            string f = $"{field}.{p.Name}";
            switch (p.Name)
            {
                case "cycles":
                    if (p.Value.ValueKind != JsonValueKind.Number || !p.Value.TryGetDouble(out double d))
                        throw new InvalidCostModelException(origin, f, $"{f} must be a number; got {p.Value.GetRawText()}.");
                    cycles = d;
                    break;
                case "source": source = RequireString(origin, f, p.Value); break;
                default: throw new InvalidCostModelException(origin, f, $"'{p.Name}' is not a field of a cost (cycles, source).");
            }
        }
        if (cycles is null) throw new InvalidCostModelException(origin, field + ".cycles", $"{field}.cycles is missing.");
        if (source is null) throw new InvalidCostModelException(origin, field + ".source", $"{field}.source is missing.");
        Check(origin, field, cycles.Value, source);
        return new Cost(cycles.Value, source);
    }

    static void Check(string origin, string field, double cycles, string? source)
    {
        if (!double.IsFinite(cycles))
            throw new InvalidCostModelException(origin, field + ".cycles", $"{field}.cycles must be a finite number; got {cycles}.");
        if (cycles < 0)
            throw new InvalidCostModelException(origin, field + ".cycles", $"{field}.cycles must not be negative; got {cycles}.");
        if (string.IsNullOrWhiteSpace(source))
            throw new InvalidCostModelException(origin, field + ".source", $"{field}.source must name where the number comes from.");
    }

    static void RequireAll(string origin, Cost[] table)
    {
        var missing = Events.Where(e => table[(int)e] is null).Select(e => $"costs.{e}").ToList();
        if (missing.Count == 1) throw new InvalidCostModelException(origin, missing[0], $"{missing[0]} is missing.");
        if (missing.Count > 1)
            throw new InvalidCostModelException(origin, missing[0], $"{missing[0]} is missing (so are {string.Join(", ", missing.Skip(1))}).");
    }

    static string RequireString(string origin, string field, JsonElement v, bool allowEmpty = false)
    {
        if (v.ValueKind != JsonValueKind.String || (!allowEmpty && string.IsNullOrWhiteSpace(v.GetString())))
            throw new InvalidCostModelException(origin, field, $"{field} must be a non-empty string.");
        return v.GetString()!;
    }

    public override string ToString() => Name;
}
