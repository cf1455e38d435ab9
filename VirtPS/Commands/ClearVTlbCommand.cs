using System.Management.Automation;
using VirtPS.Engine.Guests;

namespace VirtPS.Commands;

/// <summary>Flushes a guest's TLB, its paging-structure caches (both walk dimensions) and its nested TLB, so the next
/// translations walk cold. Statistics are kept.</summary>
[Cmdlet(VerbsCommon.Clear, "VTlb", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(Guest))]
public sealed class ClearVTlbCommand : PSCmdlet
{
    /// <summary>Guests whose translation caches to flush, as objects or names.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [GuestTransformation]
    [ArgumentCompleter(typeof(GuestNameCompleter))]
    [ValidateNotNull]
    public Guest[] Guest { get; set; } = [];

    /// <summary>Writes each flushed guest to the pipeline.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var g in Guest)
        {
            if (!ShouldProcess(g.Name, "Flush the TLB, walk caches and nested TLB")) continue;
            g.ClearTlb();
            if (PassThru) WriteObject(g);
        }
    }
}
