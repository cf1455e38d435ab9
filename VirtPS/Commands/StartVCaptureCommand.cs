using System.Management.Automation;
using VirtPS.Engine.Network;

namespace VirtPS.Commands;

/// <summary>Clears a capture point and starts recording frames into it.</summary>
[Cmdlet(VerbsLifecycle.Start, "VCapture", DefaultParameterSetName = CaptureTarget.NetworkSet)]
[OutputType(typeof(VCapture))]
public sealed class StartVCaptureCommand : CaptureCommandBase
{
    /// <summary>Writes the capture point's state to the pipeline.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var (name, capture) in Targets())
        {
            capture.Start();
            if (PassThru) WriteObject(new VCapture(name, capture.Running, capture.Frames.Count, capture.Limit));
        }
    }
}
