using System.Management.Automation;
using VirtPS.Engine;
using VirtPS.Engine.Checkpoints;
using VirtPS.Engine.Guests;

namespace VirtPS.Commands;

/// <summary>
/// Reads a checkpoint file written by Export-VCheckpoint into a new guest of this runspace, at the state the checkpoint
/// holds, with the checkpoint among its own (Restore-VGuest rewinds to it again). The file is checked whole — header,
/// version, checksum, every field — and nothing is made unless it all passes.
/// </summary>
[Cmdlet(VerbsData.Import, "VCheckpoint", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(Guest))]
public sealed class ImportVCheckpointCommand : PSCmdlet
{
    /// <summary>The checkpoint file.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName")]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    /// <summary>The new guest's name.</summary>
    [Parameter(Position = 1)]
    [PSDefaultValue(Help = "the name of the guest the checkpoint was taken of")]
    public string? Name { get; set; }

    /// <summary>The host to put the guest on (an object, name or pattern).</summary>
    [Parameter]
    [HostTransformation]
    [ArgumentCompleter(typeof(HostNameCompleter))]
    [SupportsWildcards]
    [PSDefaultValue(Help = "the default host")]
    public VHost[]? VHost { get; set; }

    protected override void ProcessRecord()
    {
        string file = SessionState.Path.GetUnresolvedProviderPathFromPSPath(Path);
        if (!File.Exists(file))
        {
            WriteError(Errors.Create(ErrorIds.CheckpointFileNotFound, ErrorKind.ObjectNotFound, $"No checkpoint file '{file}'.", Path));
            return;
        }
        if (!ShouldProcess(file, "Make a guest from the checkpoint")) return;
        try
        {
            var lab = LabState.Current;
            if (Name is not null) Engine.Guests.Guest.ValidateName(Name);
            var guest = GuestCheckpoints.Import(File.ReadAllBytes(file), System.IO.Path.GetFileName(file), Name);
            try { lab.Add(guest, VHost?.FirstOrDefault()); }
            catch { guest.CloseDevices(); throw; }
            WriteObject(guest);
        }
        catch (VirtPSException e) { WriteError(Errors.From(e)); }
    }
}
