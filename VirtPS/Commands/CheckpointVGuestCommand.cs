using System.Management.Automation;
using VirtPS.Engine;
using VirtPS.Engine.Checkpoints;
using VirtPS.Engine.Guests;

namespace VirtPS.Commands;

/// <summary>
/// Takes a checkpoint of guests: their complete state — CPU, memory, TLBs and caches, devices, VMM state, counters — kept in
/// memory under a name, at the cost of what each guest has touched. Restore-VGuest rewinds a guest to it; run on from
/// there, the guest gives exactly the console, registers and counters it gave the first time.
/// </summary>
[Cmdlet(VerbsData.Checkpoint, "VGuest", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(GuestCheckpoint))]
public sealed class CheckpointVGuestCommand : PSCmdlet
{
    /// <summary>The guests: objects (usually piped), names or wildcard patterns.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [GuestTransformation]
    [ArgumentCompleter(typeof(GuestNameCompleter))]
    [SupportsWildcards]
    [ValidateNotNull]
    public Guest[] Guest { get; set; } = [];

    /// <summary>The checkpoint's name, unique per guest (1 to 64 printable characters).</summary>
    [Parameter(Mandatory = true, Position = 1)]
    public string Name { get; set; } = "";

    /// <summary>Writes each checkpoint to the pipeline.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var g in Guest)
        {
            if (!ShouldProcess(g.Name, $"Take checkpoint '{Name}'")) continue;
            try
            {
                var cp = GuestCheckpoints.Take(g, Name);
                if (PassThru) WriteObject(cp);
            }
            catch (VirtPSException e) { WriteError(Errors.From(e)); }
        }
    }
}
