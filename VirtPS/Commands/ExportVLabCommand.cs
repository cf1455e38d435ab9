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
        string file = SessionState.Path.GetUnresolvedProviderPathFromPSPath(Path);
        if (System.IO.Path.GetDirectoryName(file) is { Length: > 0 } dir && !Directory.Exists(dir))
            ThrowTerminatingError(Errors.Create(ErrorIds.LabFileNotFound, ErrorKind.ObjectNotFound, $"The folder '{dir}' does not exist; no lab was written.", Path));
        var doc = LabFile.Capture(LabState.Current, LabState.Network);
        if (!ShouldProcess(file, $"Write a lab of {doc.Hosts.Count} hosts, {doc.Networks.Count} networks and {doc.Guests.Count} guests")) return;
        File.WriteAllText(file, LabFile.Write(doc), new UTF8Encoding(false));
        if (PassThru) WriteObject(new FileInfo(file));
    }
}
