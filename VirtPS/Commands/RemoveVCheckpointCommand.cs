using System.Management.Automation;
using VirtPS.Engine.Checkpoints;

namespace VirtPS.Commands;

/// <summary>Removes checkpoints (piped from Get-VCheckpoint), freeing the memory they hold.</summary>
[Cmdlet(VerbsCommon.Remove, "VCheckpoint", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(GuestCheckpoint))]
public sealed class RemoveVCheckpointCommand : PSCmdlet
{
    /// <summary>The checkpoints to remove, as Get-VCheckpoint writes them.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [ValidateNotNull]
    public GuestCheckpoint[] Checkpoint { get; set; } = [];

    /// <summary>Writes each removed checkpoint to the pipeline.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var cp in Checkpoint)
        {
            if (!ShouldProcess(cp.ToString(), "Remove checkpoint")) continue;
            if (LabState.Current.TryGet(cp.GuestName, out var g) && GuestCheckpoints.Remove(g, cp) && PassThru) WriteObject(cp);
        }
    }
}
