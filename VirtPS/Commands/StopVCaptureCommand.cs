using System.Management.Automation;
using VirtPS.Engine.Network;

namespace VirtPS.Commands;

/// <summary>Stops recording into a capture point; the frames recorded so far stay for Export-VCapture.</summary>
[Cmdlet(VerbsLifecycle.Stop, "VCapture", DefaultParameterSetName = CaptureTarget.NetworkSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(VCapture))]
public sealed class StopVCaptureCommand : CaptureCommandBase
{
    /// <summary>Writes the capture point's state to the pipeline.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var (name, capture) in Targets())
        {
            if (!ShouldProcess(name, "Stop capture")) continue;
            capture.Stop();
            if (PassThru) WriteObject(new VCapture(name, capture.Running, capture.Frames.Count, capture.Limit));
        }
    }
}
