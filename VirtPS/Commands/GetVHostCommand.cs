using System.Management.Automation;
using VirtPS.Engine.Guests;

namespace VirtPS.Commands;

/// <summary>Lists the hosts of the current runspace's lab in name order, all or by name (wildcards allowed).</summary>
[Cmdlet(VerbsCommon.Get, "VHost")]
[OutputType(typeof(VHost))]
public sealed class GetVHostCommand : PSCmdlet
{
    /// <summary>Names or wildcard patterns of the hosts to get; without -Name, every host is written. A plain name
    /// that matches no host is a non-terminating HostNotFound error. Names complete on Tab.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(HostNameCompleter))]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [PSDefaultValue(Help = "* (every host)")]
    public string[]? Name { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var h in LabNames.Match(this, Name ?? ["*"], LabNames.Hosts)) WriteObject(h);
    }
}
