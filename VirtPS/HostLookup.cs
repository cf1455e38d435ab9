using System.Management.Automation;
using VirtPS.Engine;
using VirtPS.Engine.Costs;
using VirtPS.Engine.Guests;

namespace VirtPS;

/// <summary>Host lookups and cost-model arguments shared by the host and cost-model cmdlets.</summary>
internal static class HostLookup
{
    public static ErrorRecord NotFound(string name) =>
        Errors.Create("HostNotFound", ErrorKind.ObjectNotFound, $"No host named '{name}' exists.", name);

    /// <summary>A -VHost argument: a host object, or a host's name; null if it names none.</summary>
    public static VHost? Resolve(object? value) => (value is PSObject p ? p.BaseObject : value) switch
    {
        VHost h => h,
        string name => VHost.Find(LabState.Current.Hosts, name),
        _ => null,
    };

    /// <summary>The hosts matching each name or pattern; a plain name matching nothing writes HostNotFound.</summary>
    public static IEnumerable<VHost> Match(Cmdlet cmdlet, IEnumerable<string> names)
    {
        var all = LabState.Current.Hosts.OrderBy(h => h.Name, StringComparer.OrdinalIgnoreCase).ToList();
        foreach (var name in names)
        {
            var pattern = WildcardPattern.Get(name, WildcardOptions.IgnoreCase);
            var matches = all.Where(h => pattern.IsMatch(h.Name)).ToList();
            if (matches.Count == 0 && !WildcardPattern.ContainsWildcardCharacters(name)) cmdlet.WriteError(NotFound(name));
            foreach (var h in matches) yield return h;
        }
    }

    /// <summary>
    /// The model a -CostProfile or -CostModel argument names: a built-in profile by name, a CostModel object, or
    /// the path of a JSON file (PowerShell paths resolved). Null when neither is given; throws
    /// <see cref="VirtPSException"/> (UnknownCostProfile, FileNotFound, InvalidCostModel) otherwise.
    /// </summary>
    public static CostModel? ResolveCostModel(PSCmdlet cmdlet, string? profile, object? model)
    {
        if (profile is not null && model is not null)
            throw new VirtPSException("ConflictingCostParameters", ErrorKind.InvalidArgument,
                "Give -CostProfile or -CostModel, not both.", profile);
        if (profile is not null) return CostModel.Builtin(profile);
        return (model is PSObject p ? p.BaseObject : model) switch
        {
            null => null,
            CostModel m => m,
            string path => LoadPath(cmdlet, path),
            FileInfo f => CostModel.Load(f.FullName),
            var other => throw new VirtPSException("InvalidCostModelArgument", ErrorKind.InvalidArgument,
                $"-CostModel takes a CostModel object or the path of a JSON file; got a {other.GetType().Name}.", other),
        };
    }

    static CostModel LoadPath(PSCmdlet cmdlet, string path)
    {
        string full;
        try { full = cmdlet.GetResolvedProviderPathFromPSPath(path, out _).FirstOrDefault() ?? path; }
        catch (ItemNotFoundException e)
        { throw new VirtPSException("FileNotFound", ErrorKind.ObjectNotFound, $"Cannot find the cost model file '{path}'.", path, e); }
        return CostModel.Load(full);
    }
}
