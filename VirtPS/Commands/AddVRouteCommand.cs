using System.Management.Automation;
using VirtPS.Engine;
using VirtPS.Engine.Network.Stack;

namespace VirtPS.Commands;

/// <summary>Adds a static route on a simulated node: the LAN gateway, a LAN host, the host or a guest.</summary>
[Cmdlet(VerbsCommon.Add, "VRoute", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(Route))]
public sealed class AddVRouteCommand : PSCmdlet
{
    /// <summary>The nodes that get the route: gateway, lanhost1, lanhost2, internet, host, a guest (name or
    /// object), or an address of one of them; nodes may be piped in.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [NameTransformation]
    [ArgumentCompleter(typeof(GuestNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string[] Node { get; set; } = [];

    /// <summary>The destination subnet in CIDR notation, such as 192.168.56.0/24.</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    public string Destination { get; set; } = "";

    /// <summary>The next hop's IPv4 address; it must be on a subnet the node is directly connected to (else
    /// GatewayUnreachable).</summary>
    [Parameter(Mandatory = true, Position = 2)]
    [ValidateNotNullOrEmpty]
    public string Gateway { get; set; } = "";

    /// <summary>Writes the new route to the pipeline.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var node in Node)
        {
            if (!ShouldProcess(node, $"Add route {Destination} via {Gateway}")) continue;
            try
            {
                var r = LabState.Network.AddRoute(node, Destination, Gateway);
                if (PassThru) WriteObject(r);
            }
            catch (VirtPSException e) { WriteError(Errors.From(e)); }
        }
    }
}
