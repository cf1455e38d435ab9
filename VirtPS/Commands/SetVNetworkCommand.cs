using System.Management.Automation;
using VirtPS.Engine;
using VirtPS.Engine.Network;

namespace VirtPS.Commands;

/// <summary>Changes the mode of a network live: its guests keep their adapters and are re-addressed as the mode needs.</summary>
[Cmdlet(VerbsCommon.Set, "VNetwork", DefaultParameterSetName = NameSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(VirtualNetwork))]
public sealed class SetVNetworkCommand : PSCmdlet
{
    const string NameSet = "Name";
    const string NetworkSet = "Network";

    /// <summary>Names or wildcard patterns of the networks to change; a plain name that matches nothing is a
    /// non-terminating NetworkNotFound error.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = NameSet)]
    [ArgumentCompleter(typeof(NetworkNameCompleter))]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[] Name { get; set; } = [];

    /// <summary>Network objects to change, usually piped from Get-VNetwork.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = NetworkSet)]
    [ValidateNotNull]
    public VirtualNetwork[] Network { get; set; } = [];

    /// <summary>The new mode: Bridge, Isolated, HostOnly, Routed or Nat. The guests keep their adapters and are
    /// re-addressed as the mode needs.</summary>
    [Parameter(Mandatory = true, Position = 1)]
    public NetworkMode Mode { get; set; }

    /// <summary>Writes each changed network to the pipeline.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        var targets = ParameterSetName == NetworkSet ? Network : NetworkLookup.Match(this, Name);
        foreach (var n in targets.ToList())
        {
            if (!ShouldProcess(n.Name, $"Change mode from {n.Mode} to {Mode}")) continue;
            try { LabState.Network.SetMode(n.Name, Mode); }
            catch (VirtPSException e) { WriteError(Errors.From(e)); continue; }
            if (PassThru) WriteObject(n);
        }
    }
}
