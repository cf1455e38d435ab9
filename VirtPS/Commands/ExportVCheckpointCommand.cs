using System.Management.Automation;
using VirtPS.Engine;
using VirtPS.Engine.Checkpoints;

namespace VirtPS.Commands;

/// <summary>
/// Writes a checkpoint to a file (gzip'd JSON with a SHA-256 and a format version; see about_VirtPS_LabFormat) that
/// Import-VCheckpoint reads into a new guest, in another runspace or session of the same VirtPS build.
/// </summary>
[Cmdlet(VerbsData.Export, "VCheckpoint", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(FileInfo))]
public sealed class ExportVCheckpointCommand : PSCmdlet
{
    /// <summary>The checkpoint, as Get-VCheckpoint or Checkpoint-VGuest -PassThru writes it.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [ValidateNotNull]
    public GuestCheckpoint Checkpoint { get; set; } = null!;

    /// <summary>The file to write (an existing one is replaced). PowerShell paths are resolved.</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    /// <summary>Write the file's FileInfo to the pipeline.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        if (OutputFile.Resolve(this, Path, ErrorIds.CheckpointFileNotFound, out var missing) is not { } file) { WriteError(missing!); return; }
        if (!ShouldProcess(file, $"Write checkpoint {Checkpoint}")) return;
        try
        {
            using (var stream = File.Create(file)) CheckpointFile.Write(Checkpoint, stream);
            if (PassThru) WriteObject(new FileInfo(file));
        }
        catch (NotSupportedException e)
        {
            File.Delete(file);
            WriteError(Errors.Create(ErrorIds.CheckpointNotSupported, ErrorKind.InvalidOperation, $"Checkpoint {Checkpoint} cannot be written: {e.Message}.", Checkpoint));
        }
    }
}
