using System.Management.Automation;
using VirtPS.Engine;
using VirtPS.Engine.Guests;

namespace VirtPS.Commands;

/// <summary>Unplugs a device from a stopped guest and releases what it holds on the host (an image file stays on disk).</summary>
[Cmdlet(VerbsCommon.Remove, "VDevice", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
public sealed class RemoveVDeviceCommand : PSCmdlet
{
    /// <summary>The guest: a guest object, name or wildcard pattern.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [GuestTransformation]
    [ArgumentCompleter(typeof(GuestNameCompleter))]
    [SupportsWildcards]
    [ValidateNotNull]
    public Guest[] Guest { get; set; } = [];

    /// <summary>The device's name.</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = "";

    protected override void ProcessRecord()
    {
        foreach (var g in Guest)
        {
            if (!ShouldProcess($"{g.Name}/{Name}", "Remove device")) continue;
            try
            {
                var device = g.Device(Name);
                g.RemoveDevice(Name);
                // A NIC's switch port belongs to the network world, not the guest: free it too.
                if (device is Engine.Io.Net.NetworkAdapter { Medium: Engine.Network.MachinePort port }) LabState.Network.DisconnectMachine(port);
            }
            catch (VirtPSException e) { WriteError(Errors.From(e)); }
        }
    }
}
