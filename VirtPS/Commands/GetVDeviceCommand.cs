using System.Management.Automation;
using VirtPS.Engine.Guests;
using VirtPS.Engine.Io;

namespace VirtPS.Commands;

/// <summary>Lists guests' devices (disks, network adapters, input): name, class, IO mode, the hardware the guest sees, its IRQ
/// and what it has done so far.</summary>
[Cmdlet(VerbsCommon.Get, "VDevice")]
[OutputType(typeof(GuestDevice))]
public sealed class GetVDeviceCommand : PSCmdlet
{
    /// <summary>The guests whose devices to list: guest objects, names or wildcard patterns; all guests by default.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true)]
    [GuestTransformation]
    [ArgumentCompleter(typeof(GuestNameCompleter))]
    [SupportsWildcards]
    [ValidateNotNull]
    [PSDefaultValue(Help = "every guest in the lab")]
    public Guest[]? Guest { get; set; }

    /// <summary>Device names or wildcard patterns.</summary>
    [Parameter(Position = 1)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [PSDefaultValue(Help = "every device")]
    public string[]? Name { get; set; }

    protected override void ProcessRecord()
    {
        var patterns = Name?.Select(n => new WildcardPattern(n, WildcardOptions.IgnoreCase)).ToList();
        foreach (var g in Guest ?? LabState.Current.Guests.ToArray())
            foreach (var d in g.Devices)
            {
                if (patterns != null && !patterns.Any(p => p.IsMatch(d.Name))) continue;
                d.SyncCounters();
                WriteObject(d);
            }
    }
}
