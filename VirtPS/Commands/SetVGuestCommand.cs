using System.Management.Automation;
using VirtPS.Engine;
using VirtPS.Engine.Guests;
using VirtPS.Engine.Styles;

namespace VirtPS.Commands;

/// <summary>Changes a hardware-assisted guest's VM-execution controls: which events cause VM exits, by SDM exit reason.</summary>
[Cmdlet(VerbsCommon.Set, "VGuest", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(Guest))]
public sealed class SetVGuestCommand : PSCmdlet
{
    /// <summary>Guests to change, as objects or names.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [GuestTransformation]
    [ArgumentCompleter(typeof(GuestNameCompleter))]
    [ValidateNotNull]
    public Guest[] Guest { get; set; } = [];

    /// <summary>Exit reasons that should cause VM exits from now on (HardwareAssisted guests).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public ExitReason[]? ExitOn { get; set; }

    /// <summary>Exit reasons that should no longer cause VM exits (HardwareAssisted guests).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public ExitReason[]? NoExitOn { get; set; }

    /// <summary>Writes each changed guest to the pipeline.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var g in Guest)
        {
            if (ExitOn is null && NoExitOn is null) { if (PassThru) WriteObject(g); continue; }
            if (g.Vmm is not HardwareAssisted ha)
            {
                WriteError(Errors.Create("NotHardwareAssisted", ErrorKind.InvalidOperation,
                    $"Guest '{g.Name}' runs under {g.Style}; exit controls exist only for HardwareAssisted guests.", g));
                continue;
            }
            if (!ShouldProcess(g.Name, "Change VM-execution controls")) continue;
            try { ha.SetExits(ExitOn ?? [], NoExitOn ?? []); }
            catch (VirtPSException e) { WriteError(Errors.From(e)); continue; }
            if (PassThru) WriteObject(g);
        }
    }
}
