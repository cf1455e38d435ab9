using System.Management.Automation;
using VirtPS.Engine.Network;

namespace VirtPS.Commands;

/// <summary>Lists the virtual networks of the current runspace, all or by name (wildcards allowed).</summary>
[Cmdlet(VerbsCommon.Get, "VNetwork")]
[OutputType(typeof(VirtualNetwork))]
public sealed class GetVNetworkCommand : PSCmdlet
{
    /// <summary>Names or wildcard patterns; a plain name that matches no network is a NetworkNotFound error.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(NetworkNameCompleter))]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? Name { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var n in NetworkLookup.Match(this, Name ?? ["*"])) WriteObject(n);
    }
}
