using System.Management.Automation;
using VirtPS.Engine.Network;

namespace VirtPS.Commands;

/// <summary>Lists the virtual networks of the current runspace, all or by name (wildcards allowed).</summary>
[Cmdlet(VerbsCommon.Get, "VNetwork")]
[OutputType(typeof(VirtualNetwork))]
public sealed class GetVNetworkCommand : PSCmdlet
{
    /// <summary>Names or wildcard patterns of the networks to get; without -Name, every network is written. A plain
    /// name that matches no network is a non-terminating NetworkNotFound error.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(NetworkNameCompleter))]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [PSDefaultValue(Help = "* (every network)")]
    public string[]? Name { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var n in NetworkLookup.Match(this, Name ?? ["*"])) WriteObject(n);
    }
}
