using System.Management.Automation;
using VirtPS.Engine;
using VirtPS.Engine.Costs;

namespace VirtPS;

/// <summary>The cost model a <c>-CostProfile</c> or <c>-CostModel</c> argument names (New-VHost, Set-VHost, Get-VCostModel -Path).</summary>
internal static class CostModelArgument
{
    /// <summary>
    /// The model a -CostProfile or -CostModel argument names: a built-in profile by name, a CostModel object, or
    /// the path of a JSON file (PowerShell paths resolved). Null when neither is given; throws
    /// <see cref="VirtPSException"/> (UnknownCostProfile, FileNotFound, InvalidCostModel) otherwise.
    /// </summary>
    public static CostModel? Resolve(PSCmdlet cmdlet, string? profile, object? model)
    {
        if (profile is not null && model is not null)
            throw new VirtPSException(ErrorIds.ConflictingCostParameters, ErrorKind.InvalidArgument,
                "Give -CostProfile or -CostModel, not both.", profile);
        if (profile is not null) return CostModel.Builtin(profile);
        return (model is PSObject p ? p.BaseObject : model) switch
        {
            null => null,
            CostModel m => m,
            string path => LoadPath(cmdlet, path),
            FileInfo f => CostModel.Load(f.FullName),
            var other => throw new VirtPSException(ErrorIds.InvalidCostModelArgument, ErrorKind.InvalidArgument,
                $"-CostModel takes a CostModel object or the path of a JSON file; got a {other.GetType().Name}.", other),
        };
    }

    static CostModel LoadPath(PSCmdlet cmdlet, string path)
    {
        string full;
        try { full = cmdlet.GetResolvedProviderPathFromPSPath(path, out _).FirstOrDefault() ?? path; }
        catch (ItemNotFoundException e)
        { throw new VirtPSException(ErrorIds.FileNotFound, ErrorKind.ObjectNotFound, $"Cannot find the cost model file '{path}'.", path, e); }
        return CostModel.Load(full);
    }
}
