using System.Management.Automation;
using VirtPS.Engine;

namespace VirtPS.Commands;

/// <summary>Removes a static route from a simulated node: the LAN gateway, a LAN host, the host or a guest.</summary>
[Cmdlet(VerbsCommon.Remove, "VRoute", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
public sealed class RemoveVRouteCommand : PSCmdlet
{
    /// <summary>The nodes whose route to remove: gateway, lanhost1, lanhost2, internet, host, a guest (name or
    /// object), or an address of one of them.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [NameTransformation]
    [ArgumentCompleter(typeof(GuestNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string[] Node { get; set; } = [];

    /// <summary>The destination subnet of the static route, in CIDR notation; a node without that route is
    /// RouteNotFound.</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    public string Destination { get; set; } = "";

    protected override void ProcessRecord()
    {
        foreach (var node in Node)
        {
            if (!ShouldProcess(node, $"Remove route {Destination}")) continue;
            try
            {
                if (!LabState.Network.RemoveRoute(node, Destination))
                    WriteError(Errors.Create(ErrorIds.RouteNotFound, ErrorKind.ObjectNotFound, $"'{node}' has no static route to {Destination}.", Destination));
            }
            catch (VirtPSException e) { WriteError(Errors.From(e)); }
        }
    }
}
