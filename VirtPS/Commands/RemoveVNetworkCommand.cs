using System.Management.Automation;
using VirtPS.Engine;
using VirtPS.Engine.Network;

namespace VirtPS.Commands;

/// <summary>Removes virtual networks, disconnecting their adapters and dropping their port forwards.</summary>
[Cmdlet(VerbsCommon.Remove, "VNetwork", DefaultParameterSetName = NameSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(VirtualNetwork))]
public sealed class RemoveVNetworkCommand : PSCmdlet
{
    const string NameSet = "Name";
    const string NetworkSet = "Network";

    /// <summary>Names or wildcard patterns of the networks to remove; a plain name that matches nothing is a
    /// non-terminating NetworkNotFound error.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = NameSet)]
    [ArgumentCompleter(typeof(NetworkNameCompleter))]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[] Name { get; set; } = [];

    /// <summary>Network objects to remove, usually piped from Get-VNetwork or New-VNetwork.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = NetworkSet)]
    [ValidateNotNull]
    public VirtualNetwork[] Network { get; set; } = [];

    /// <summary>Writes each removed network to the pipeline.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        var targets = ParameterSetName == NetworkSet ? Network : NetworkLookup.Match(this, Name);
        foreach (var n in targets.ToList())
        {
            if (!ShouldProcess(n.Name, "Remove network")) continue;
            try { LabState.Network.RemoveNetwork(n.Name); }
            catch (VirtPSException e) { WriteError(Errors.From(e)); continue; }
            if (PassThru) WriteObject(n);
        }
    }
}
