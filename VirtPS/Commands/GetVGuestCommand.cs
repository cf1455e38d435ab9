using System.Management.Automation;
using VirtPS.Engine;
using VirtPS.Engine.Guests;

namespace VirtPS.Commands;

/// <summary>Lists the guests of the current runspace's lab in name order, all or by name (wildcards allowed).</summary>
[Cmdlet(VerbsCommon.Get, "VGuest")]
[OutputType(typeof(Guest))]
public sealed class GetVGuestCommand : PSCmdlet
{
    /// <summary>Names or wildcard patterns of the guests to get, compared without case; without -Name, every guest
    /// is written. A plain name that matches no guest is a non-terminating GuestNotFound error.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(GuestNameCompleter))]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [PSDefaultValue(Help = "* (every guest)")]
    public string[]? Name { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var g in LabNames.Match(this, Name ?? ["*"], LabNames.Guests)) WriteObject(g);
    }
}
