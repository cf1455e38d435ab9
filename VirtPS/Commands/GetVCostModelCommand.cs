using System.Management.Automation;
using VirtPS.Engine;
using VirtPS.Engine.Costs;
using VirtPS.Engine.Guests;

namespace VirtPS.Commands;

/// <summary>Gets cost models: built-in profiles by name, a JSON file, or the model a host uses.</summary>
[Cmdlet(VerbsCommon.Get, "VCostModel", DefaultParameterSetName = NameSet)]
[OutputType(typeof(CostModel))]
public sealed class GetVCostModelCommand : PSCmdlet
{
    const string NameSet = "Name";
    const string PathSet = "Path";
    const string HostSet = "Host";

    /// <summary>Names or wildcard patterns of built-in profiles (Modern, Pentium4-2006); without -Name, every
    /// built-in profile is written. A plain name that is no profile is UnknownCostProfile. Names complete on
    /// Tab.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ParameterSetName = NameSet)]
    [ArgumentCompleter(typeof(CostProfileNameCompleter))]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [PSDefaultValue(Help = "* (every built-in profile)")]
    public string[]? Name { get; set; }

    /// <summary>Paths of cost model JSON files to read and check. PowerShell paths are resolved; a malformed model
    /// is InvalidCostModel.</summary>
    [Parameter(Mandatory = true, ParameterSetName = PathSet)]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = [];

    /// <summary>Hosts (objects, names or wildcard patterns; -Host is an alias) whose cost model to get; hosts may be
    /// piped in. A name that matches no host fails parameter binding with a HostNotFound error inside. Names complete on Tab.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = HostSet)]
    [Alias("Host")]
    [HostTransformation]
    [ArgumentCompleter(typeof(HostNameCompleter))]
    [SupportsWildcards]
    [AllowEmptyCollection]
    [ValidateNotNull]
    public VHost[] VHost { get; set; } = [];

    protected override void ProcessRecord()
    {
        switch (ParameterSetName)
        {
            case PathSet:
                foreach (var p in Path) Emit(() => CostModelArgument.Resolve(this, null, p)!);
                break;
            case HostSet:
                foreach (var h in VHost) WriteObject(h.CostModel);
                break;
            default:
                foreach (var name in Name ?? ["*"])
                {
                    if (!WildcardPattern.ContainsWildcardCharacters(name)) { Emit(() => CostModel.Builtin(name)); continue; }
                    var pattern = WildcardPattern.Get(name, WildcardOptions.IgnoreCase);
                    foreach (var n in CostModel.BuiltinNames.Where(n => pattern.IsMatch(n)).Order(StringComparer.OrdinalIgnoreCase)) WriteObject(CostModel.Builtin(n));
                }
                break;
        }
    }

    void Emit(Func<CostModel> get)
    {
        try { WriteObject(get()); }
        catch (VirtPSException e) { WriteError(Errors.From(e)); }
    }
}
