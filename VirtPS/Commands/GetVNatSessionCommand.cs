using System.Management.Automation;
using VirtPS.Engine.Network;

namespace VirtPS.Commands;

/// <summary>Lists the host's NAT translation table (connection tracking sessions), all or for some networks.</summary>
[Cmdlet(VerbsCommon.Get, "VNatSession")]
[OutputType(typeof(NatSession))]
public sealed class GetVNatSessionCommand : PSCmdlet
{
    /// <summary>Networks (names, wildcard patterns or objects) whose sessions to list; every network's without
    /// it.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Name")]
    [NameTransformation]
    [ArgumentCompleter(typeof(NetworkNameCompleter))]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [PSDefaultValue(Help = "every network")]
    public string[]? Network { get; set; }

    protected override void ProcessRecord()
    {
        if (Network is null)
        {
            WriteObject(LabState.Network.NatSessions(), enumerateCollection: true);
            return;
        }
        foreach (var n in NetworkLookup.Match(this, Network).ToList())
            WriteObject(LabState.Network.NatSessions(n.Name), enumerateCollection: true);
    }
}
