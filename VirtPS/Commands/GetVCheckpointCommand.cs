using System.Management.Automation;
using VirtPS.Engine.Checkpoints;
using VirtPS.Engine.Guests;

namespace VirtPS.Commands;

/// <summary>Lists guests' checkpoints: name, guest, the instruction count they were taken at, and the memory each holds.</summary>
[Cmdlet(VerbsCommon.Get, "VCheckpoint")]
[OutputType(typeof(GuestCheckpoint))]
public sealed class GetVCheckpointCommand : PSCmdlet
{
    /// <summary>The guests whose checkpoints to list (objects, names or wildcard patterns).</summary>
    [Parameter(Position = 0, ValueFromPipeline = true)]
    [GuestTransformation]
    [ArgumentCompleter(typeof(GuestNameCompleter))]
    [SupportsWildcards]
    [PSDefaultValue(Help = "every guest in the runspace")]
    public Guest[]? Guest { get; set; }

    /// <summary>Checkpoint names or wildcard patterns.</summary>
    [Parameter(Position = 1)]
    [SupportsWildcards]
    [PSDefaultValue(Help = "all")]
    public string[]? Name { get; set; }

    protected override void ProcessRecord()
    {
        var patterns = (Name ?? ["*"]).Select(n => new WildcardPattern(n, WildcardOptions.IgnoreCase)).ToList();
        foreach (var g in Guest ?? LabState.Current.Guests.ToArray())
            foreach (var cp in GuestCheckpoints.For(g))
                if (patterns.Any(p => p.IsMatch(cp.Name))) WriteObject(cp);
    }
}
