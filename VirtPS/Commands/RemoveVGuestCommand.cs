using System.Management.Automation;
using VirtPS.Engine;
using VirtPS.Engine.Guests;

namespace VirtPS.Commands;

/// <summary>Removes guests from the current runspace's lab, by name or by piped guest object.</summary>
[Cmdlet(VerbsCommon.Remove, "VGuest", DefaultParameterSetName = NameSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(Guest))]
public sealed class RemoveVGuestCommand : PSCmdlet
{
    const string NameSet = "Name";
    const string GuestSet = "Guest";

    /// <summary>Names or wildcard patterns of the guests to remove; a plain name that matches nothing is a
    /// non-terminating GuestNotFound error.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = NameSet)]
    [ArgumentCompleter(typeof(GuestNameCompleter))]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[] Name { get; set; } = [];

    /// <summary>Guests to remove: guest objects, usually piped from Get-VGuest or New-VGuest, names or wildcard
    /// patterns. A name that matches no guest fails parameter binding with a GuestNotFound error inside.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = GuestSet)]
    [GuestTransformation]
    [ArgumentCompleter(typeof(GuestNameCompleter))]
    [SupportsWildcards]
    [AllowEmptyCollection]
    [ValidateNotNull]
    public Guest[] Guest { get; set; } = [];

    /// <summary>Writes each removed guest to the pipeline.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        var lab = LabState.Current;
        if (ParameterSetName == GuestSet)
        {
            foreach (var g in Guest) Remove(lab, g);
            return;
        }
        foreach (var g in LabNames.Match(this, Name, LabNames.Guests).ToList()) Remove(lab, g);
    }

    void Remove(Lab lab, Guest g)
    {
        if (!ShouldProcess(g.Name, "Remove guest")) return;
        if (!lab.Remove(g))
        {
            WriteError(Errors.Create(ErrorIds.GuestNotFound, ErrorKind.ObjectNotFound, $"Guest '{g.Name}' is not in this runspace's lab.", g));
            return;
        }
        // The guest's adapters go with it, so a new guest of the same name starts unplugged.
        var world = LabState.Network;
        foreach (var nic in world.GetAdapters(g.Name)) world.DisconnectAdapter(nic);
        foreach (var port in world.MachinePorts.Where(p => string.Equals(p.GuestName, g.Name, StringComparison.OrdinalIgnoreCase)).ToList())
            world.DisconnectMachine(port);
        if (PassThru) WriteObject(g);
    }
}
