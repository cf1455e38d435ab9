using System.Management.Automation;
using VirtPS.Engine.Network;
using VirtPS.Engine.Network.Capture;

namespace VirtPS.Commands;

/// <summary>
/// The capture-point parameters Start-, Stop- and Export-VCapture share: a network's switch, an adapter's
/// switch port, or a physical segment, each in its own parameter set.
/// </summary>
public abstract class CaptureCommandBase : PSCmdlet
{
    /// <summary>Networks (names, wildcard patterns or objects) whose switch capture to use: it records every frame
    /// that enters the switch. Networks may be piped in.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = CaptureTarget.NetworkSet)]
    [NameTransformation]
    [ArgumentCompleter(typeof(NetworkNameCompleter))]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[] Network { get; set; } = [];

    /// <summary>Adapters (from Get-VNetworkAdapter) whose switch port capture to use: it records the frames in both
    /// directions.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = CaptureTarget.AdapterSet)]
    [ValidateNotNull]
    public VirtualNic[] Adapter { get; set; } = [];

    /// <summary>A physical segment's switch: Lan (the host's pnet0 side, where NAT shows translated addresses) or
    /// Internet.</summary>
    [Parameter(Mandatory = true, ParameterSetName = CaptureTarget.SegmentSet)]
    public CaptureSegment Segment { get; set; }

    /// <summary>The capture points the parameters name (errors for names that match nothing are written here).</summary>
    protected List<(string Name, PacketCapture Capture)> Targets() => CaptureTarget.Resolve(this, Network, Adapter, Segment).ToList();
}
