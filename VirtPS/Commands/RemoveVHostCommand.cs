using System.Management.Automation;
using VirtPS.Engine;
using VirtPS.Engine.Guests;

namespace VirtPS.Commands;

/// <summary>Removes hosts; the default host and hosts that still have guests are refused.</summary>
[Cmdlet(VerbsCommon.Remove, "VHost", DefaultParameterSetName = NameSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(VHost))]
public sealed class RemoveVHostCommand : PSCmdlet
{
    const string NameSet = "Name";
    const string HostSet = "VHost";

    /// <summary>Names or wildcard patterns of the hosts to remove; a plain name that matches nothing is a
    /// non-terminating HostNotFound error.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true, ParameterSetName = NameSet)]
    [ArgumentCompleter(typeof(HostNameCompleter))]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[] Name { get; set; } = [];

    /// <summary>Hosts to remove: host objects, usually piped from Get-VHost, names or wildcard patterns (-InputObject is
    /// an alias). A name that matches no host fails parameter binding with a HostNotFound error inside.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = HostSet)]
    [Alias("InputObject")]
    [HostTransformation]
    [ArgumentCompleter(typeof(HostNameCompleter))]
    [SupportsWildcards]
    [AllowEmptyCollection]
    [ValidateNotNull]
    public VHost[] VHost { get; set; } = [];

    /// <summary>Writes each removed host to the pipeline.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        var targets = ParameterSetName == HostSet ? VHost : LabNames.Match(this, Name, LabNames.Hosts);
        foreach (var h in targets.ToList())
        {
            if (!ShouldProcess(h.Name, "Remove host")) continue;
            try { LabState.Current.RemoveHost(h); }
            catch (VirtPSException e) { WriteError(Errors.From(e)); continue; }
            if (PassThru) WriteObject(h);
        }
    }
}
