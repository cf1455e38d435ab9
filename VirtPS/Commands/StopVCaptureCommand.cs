using System.Management.Automation;
using VirtPS.Engine.Network;

namespace VirtPS.Commands;

/// <summary>Stops recording into a capture point; the frames recorded so far stay for Export-VCapture.</summary>
[Cmdlet(VerbsLifecycle.Stop, "VCapture", DefaultParameterSetName = CaptureTarget.NetworkSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(VCapture))]
public sealed class StopVCaptureCommand : PSCmdlet
{
    /// <summary>Networks (names, patterns or objects) whose switch captures every frame that enters it.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = CaptureTarget.NetworkSet)]
    [NameTransformation]
    [ArgumentCompleter(typeof(NetworkNameCompleter))]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[] Network { get; set; } = [];

    /// <summary>Adapters (from Get-VNetworkAdapter) whose switch port captures the frames in both directions.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = CaptureTarget.AdapterSet)]
    [ValidateNotNull]
    public VirtualNic[] Adapter { get; set; } = [];

    /// <summary>A physical segment: Lan (the host's pnet0 side, where NAT shows translated addresses) or Internet.</summary>
    [Parameter(Mandatory = true, ParameterSetName = CaptureTarget.SegmentSet)]
    public CaptureSegment Segment { get; set; }

    /// <summary>Writes the capture point's state to the pipeline.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var (name, capture) in CaptureTarget.Resolve(this, Network, Adapter, Segment).ToList())
        {
            if (!ShouldProcess(name, "Stop capture")) continue;
            capture.Stop();
            if (PassThru) WriteObject(new VCapture(name, capture.Running, capture.Frames.Count, capture.Limit));
        }
    }
}
