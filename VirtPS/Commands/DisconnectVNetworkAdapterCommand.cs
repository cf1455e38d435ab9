using System.Management.Automation;
using VirtPS.Engine;
using VirtPS.Engine.Guests;
using VirtPS.Engine.Network;

namespace VirtPS.Commands;

/// <summary>Removes network adapters from guests: piped adapters, or a guest's adapters (on one network or all).</summary>
[Cmdlet(VerbsCommunications.Disconnect, "VNetworkAdapter", DefaultParameterSetName = GuestSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(VirtualNic))]
public sealed class DisconnectVNetworkAdapterCommand : PSCmdlet
{
    const string GuestSet = "Guest";
    const string AdapterSet = "Adapter";

    /// <summary>The guests whose adapters to disconnect: guest objects (usually piped), names or wildcard patterns. A
    /// name that matches no guest fails parameter binding with a GuestNotFound error inside; a guest with no adapter
    /// (on -Network) is AdapterNotFound.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = GuestSet)]
    [GuestTransformation]
    [ArgumentCompleter(typeof(GuestNameCompleter))]
    [SupportsWildcards]
    [AllowEmptyCollection]
    [ValidateNotNull]
    public Guest[] Guest { get; set; } = [];

    /// <summary>Only the guest's adapters on this network (name or object); all of them without it.</summary>
    [Parameter(Position = 1, ParameterSetName = GuestSet)]
    [NameTransformation]
    [ArgumentCompleter(typeof(NetworkNameCompleter))]
    [ValidateNotNullOrEmpty]
    [PSDefaultValue(Help = "all of the guest's adapters")]
    public string? Network { get; set; }

    /// <summary>Adapter objects to disconnect, usually piped from Get-VNetworkAdapter.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = AdapterSet)]
    [ValidateNotNull]
    public VirtualNic[] Adapter { get; set; } = [];

    /// <summary>Writes each disconnected adapter to the pipeline.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        var world = LabState.Network;
        List<VirtualNic> targets;
        if (ParameterSetName == AdapterSet) targets = Adapter.ToList();
        else
        {
            if (Network is not null && !world.TryGetNetwork(Network, out _)) { WriteError(NetworkLookup.NotFound(Network)); return; }
            targets = [];
            foreach (var g in Guest)
            {
                var found = world.GetAdapters(g.Name).Where(n => Network is null || string.Equals(n.Network.Name, Network, StringComparison.OrdinalIgnoreCase)).ToList();
                if (found.Count == 0)
                    WriteError(Errors.Create(ErrorIds.AdapterNotFound, ErrorKind.ObjectNotFound,
                        $"Guest '{g.Name}' has no network adapter{(Network is null ? "" : $" on network '{Network}'")}.", g.Name));
                targets.AddRange(found);
            }
        }
        foreach (var nic in targets)
        {
            if (!world.Adapters.Contains(nic))
            {
                WriteError(Errors.Create(ErrorIds.AdapterNotFound, ErrorKind.ObjectNotFound, $"Adapter {nic.GuestName}/{nic.Name} is not connected.", nic));
                continue;
            }
            if (!ShouldProcess($"{nic.GuestName}/{nic.Name}", $"Disconnect from '{nic.Network.Name}'")) continue;
            world.DisconnectAdapter(nic);
            if (PassThru) WriteObject(nic);
        }
    }
}
