using System.Management.Automation;
using VirtPS.Engine;
using VirtPS.Engine.Network;

namespace VirtPS.Commands;

/// <summary>Pings every ordered pair of {two guests on the network, a guest elsewhere, host, a LAN host, the internet host}.</summary>
[Cmdlet(VerbsCommon.Get, "VReachability")]
[OutputType(typeof(ReachabilityCell))]
public sealed class GetVReachabilityCommand : PSCmdlet
{
    /// <summary>The networks (names, wildcard patterns or objects) whose matrix to build; networks may be piped
    /// in.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Name")]
    [NameTransformation]
    [ArgumentCompleter(typeof(NetworkNameCompleter))]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[] Network { get; set; } = [];

    protected override void ProcessRecord()
    {
        foreach (var n in NetworkLookup.Match(this, Network).ToList())
        {
            try { WriteObject(LabState.Network.GetReachability(n.Name), enumerateCollection: true); }
            catch (VirtPSException e) { WriteError(Errors.From(e)); }
        }
    }
}
