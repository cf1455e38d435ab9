using System.Management.Automation;
using VirtPS.Engine;
using VirtPS.Engine.Network;

namespace VirtPS.Commands;

/// <summary>Creates a virtual network (Bridge, Isolated, HostOnly, Routed or Nat) in the current runspace.</summary>
[Cmdlet(VerbsCommon.New, "VNetwork", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(VirtualNetwork))]
public sealed class NewVNetworkCommand : PSCmdlet
{
    /// <summary>The network's name, unique in the runspace (compared without case).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = "";

    /// <summary>How the network reaches the host and the outside world: Bridge, Isolated, HostOnly, Routed or
    /// Nat.</summary>
    [Parameter(Mandatory = true, Position = 1)]
    public NetworkMode Mode { get; set; }

    /// <summary>The guests' subnet in CIDR notation, such as 10.0.5.0/24 (at most /29); by default VirtualBox's:
    /// 10.0.2.0/24 for Nat, 192.168.56.0/24 otherwise. Ignored by Bridge networks, whose guests take LAN
    /// addresses.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [PSDefaultValue(Help = "10.0.2.0/24 for Nat, 192.168.56.0/24 otherwise")]
    public string? Subnet { get; set; }

    protected override void ProcessRecord()
    {
        if (!ShouldProcess(Name, $"Create {Mode} network")) return;
        try { WriteObject(LabState.Network.NewNetwork(Name, Mode, Subnet)); }
        catch (VirtPSException e) { WriteError(Errors.From(e)); }
    }
}
