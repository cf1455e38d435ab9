using System.Management.Automation;
using VirtPS.Engine;
using VirtPS.Engine.Labs;

namespace VirtPS.Commands;

/// <summary>
/// Builds a lab file written by Export-VLab into this runspace: its hosts (the file's default host settings apply to this
/// runspace's default host), networks, guests with their disks and adapters, routes and port forwards. The file is
/// checked whole first — JSON, format, version, every field, every name against what the runspace already has — and
/// nothing changes unless all of it passes.
/// </summary>
[Cmdlet(VerbsData.Import, "VLab", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(Engine.Guests.Guest))]
public sealed class ImportVLabCommand : PSCmdlet
{
    /// <summary>The lab file. PowerShell paths are resolved.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName")]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    /// <summary>Write the guests made to the pipeline.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        string file = SessionState.Path.GetUnresolvedProviderPathFromPSPath(Path);
        if (!File.Exists(file))
        {
            WriteError(Errors.Create(ErrorIds.LabFileNotFound, ErrorKind.ObjectNotFound, $"No lab file '{file}'.", Path));
            return;
        }
        try
        {
            var doc = LabFile.Read(File.ReadAllText(file), System.IO.Path.GetFileName(file));
            if (!ShouldProcess(file, $"Build {doc.Hosts.Count} hosts, {doc.Networks.Count} networks and {doc.Guests.Count} guests")) return;
            var made = LabFile.Import(doc, LabState.Current, LabState.Network, System.IO.Path.GetFileName(file));
            if (PassThru) WriteObject(made.Guests, enumerateCollection: true);
        }
        catch (VirtPSException e) { WriteError(Errors.From(e)); }
    }
}
