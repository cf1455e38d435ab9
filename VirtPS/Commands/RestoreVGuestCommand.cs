using System.Management.Automation;
using VirtPS.Engine;
using VirtPS.Engine.Checkpoints;
using VirtPS.Engine.Guests;

namespace VirtPS.Commands;

/// <summary>
/// Rewinds a guest to one of its checkpoints: every part of its state becomes what it was when the checkpoint was taken.
/// The checkpoint stays, to be restored again. Run on, the guest gives exactly the console, registers and counters it gave
/// the first time from that instruction.
/// </summary>
[Cmdlet(VerbsData.Restore, "VGuest", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(Guest))]
public sealed class RestoreVGuestCommand : PSCmdlet
{
    /// <summary>The guest to rewind: an object, a name or a pattern matching one guest.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("GuestName")]
    [GuestTransformation]
    [ArgumentCompleter(typeof(GuestNameCompleter))]
    [SupportsWildcards]
    [ValidateNotNull]
    public Guest[] Guest { get; set; } = [];

    /// <summary>The checkpoint: its name, or the object Get-VCheckpoint or Checkpoint-VGuest -PassThru wrote. A name the guest
    /// has no checkpoint by is CheckpointNotFound.</summary>
    [Parameter(Mandatory = true, Position = 1, ValueFromPipeline = true)]
    [ValidateNotNull]
    public object Checkpoint { get; set; } = "";

    /// <summary>Writes the guest to the pipeline.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var g in Guest)
        {
            try
            {
                var cp = (Checkpoint is PSObject p ? p.BaseObject : Checkpoint) switch
                {
                    GuestCheckpoint c when GuestCheckpoints.For(g).Contains(c) => c,
                    GuestCheckpoint c => throw new VirtPSException(ErrorIds.CheckpointNotFound, ErrorKind.ObjectNotFound,
                        $"Checkpoint '{c.Name}' is guest '{c.GuestName}''s, not '{g.Name}''s.", c),
                    var name => GuestCheckpoints.Get(g, name.ToString() ?? ""),
                };
                if (!ShouldProcess(g.Name, $"Rewind to checkpoint '{cp.Name}' (instruction {cp.Instructions:N0})")) continue;
                cp.Restore(g);
                if (PassThru) WriteObject(g);
            }
            catch (VirtPSException e) { WriteError(Errors.From(e)); }
        }
    }
}
