using System.Management.Automation;
using System.Text;
using VirtPS.Engine;
using VirtPS.Engine.Labs;

namespace VirtPS.Commands;

/// <summary>
/// Writes this runspace's lab — hosts, networks, guests with their devices and adapters, static routes and port forwards —
/// as a versioned JSON file (about_VirtPS_LabFormat) that Import-VLab builds again in any runspace or machine. The file
/// holds what the lab is made of, not how far its guests have run (Checkpoint-VGuest keeps that).
/// </summary>
[Cmdlet(VerbsData.Export, "VLab", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(FileInfo))]
public sealed class ExportVLabCommand : PSCmdlet
{
    /// <summary>The .json file to write. PowerShell paths are resolved, so Temp: works; an existing file is replaced. Its
    /// folder must exist.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    /// <summary>Write the file's FileInfo to the pipeline.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void EndProcessing()
    {
        if (OutputFile.Resolve(this, Path, ErrorIds.LabFileNotFound, out var missing) is not { } file) { ThrowTerminatingError(missing!); return; }
        var doc = LabFile.Capture(LabState.Current, LabState.Network);
        if (!ShouldProcess(file, $"Write a lab of {doc.Hosts.Count} hosts, {doc.Networks.Count} networks and {doc.Guests.Count} guests")) return;
        File.WriteAllText(file, LabFile.Write(doc), new UTF8Encoding(false));
        if (PassThru) WriteObject(new FileInfo(file));
    }
}
