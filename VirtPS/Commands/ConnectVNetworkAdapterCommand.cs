using System.Management.Automation;
using VirtPS.Engine;
using VirtPS.Engine.Guests;
using VirtPS.Engine.Network;

namespace VirtPS.Commands;

/// <summary>Gives guests a new network adapter on a network and addresses it as the network's mode says. Without -Mode the
/// adapter belongs to the network engine's own IP stack for the guest; with -Mode it is a NIC of the guest's machine (an
/// NE2000, virtio-net, or virtio-net assigned to the guest) that the guest's kernel drives, whose frames its own code builds.</summary>
[Cmdlet(VerbsCommunications.Connect, "VNetworkAdapter", DefaultParameterSetName = GuestSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(VirtualNic), typeof(Engine.Io.Net.NetworkAdapter))]
public sealed class ConnectVNetworkAdapterCommand : PSCmdlet
{
    const string GuestSet = "Guest";
    const string NetworkSet = "Network";

    /// <summary>The guests to connect: guest objects (usually piped), names or wildcard patterns, an adapter each.
    /// A name that matches no guest fails parameter binding with a GuestNotFound error inside.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = GuestSet)]
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = NetworkSet)]
    [GuestTransformation]
    [ArgumentCompleter(typeof(GuestNameCompleter))]
    [SupportsWildcards]
    [AllowEmptyCollection]
    [ValidateNotNull]
    public Guest[] Guest { get; set; } = [];

    /// <summary>The network to connect to, as a name or a network object; a network may be piped in.</summary>
    [Parameter(Mandatory = true, Position = 1, ParameterSetName = GuestSet)]
    [Parameter(Mandatory = true, Position = 1, ValueFromPipeline = true, ParameterSetName = NetworkSet)]
    [NameTransformation]
    [ArgumentCompleter(typeof(NetworkNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string Network { get; set; } = "";

    /// <summary>The new adapter's MAC address, such as 02:00:00:00:00:42: unicast and not in use (else
    /// InvalidMacAddress or DuplicateMacAddress). By default the next address of the locally administered
    /// range.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [PSDefaultValue(Help = "the next free locally administered address")]
    public string? MacAddress { get; set; }

    /// <summary>The IO mode of a NIC the guest's kernel drives: Emulated (an NE2000 on ports 0x300-0x31F, IRQ 10),
    /// Paravirtual (virtio-net on PCI) or Passthrough (virtio-net assigned to the guest, DMA through the IOMMU). Only
    /// before the guest's first step. Without it the adapter is the network engine's own stack for the guest.</summary>
    [Parameter]
    [PSDefaultValue(Help = "none: the network engine's stack")]
    public Engine.Io.IoMode? Mode { get; set; }

    /// <summary>Writes each new adapter to the pipeline.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        var world = LabState.Network;
        foreach (var g in Guest)
        {
            if (!ShouldProcess(g.Name, $"Connect a network adapter to '{Network}'")) continue;
            try
            {
                if (Mode is { } mode)
                {
                    if (MacAddress != null) WriteWarning("-MacAddress applies to the network engine's adapters; a guest's NIC takes the next free address.");
                    var device = g.AddNetworkAdapter(world, Network, mode);
                    if (PassThru) WriteObject(device);
                    continue;
                }
                g.CheckOwnNetworkInterface();
                var nic = world.ConnectAdapter(g.Name, Network, MacAddress);
                if (PassThru) WriteObject(nic);
            }
            catch (VirtPSException e) { WriteError(Errors.From(e)); }
        }
    }
}
