using System.Management.Automation;
using VirtPS.Engine;
using VirtPS.Engine.Network;
using VirtPS.Engine.Network.Capture;

namespace VirtPS;

/// <summary>Finds the capture a capture cmdlet means: a network's switch, one adapter's port, or a physical segment.</summary>
internal static class CaptureTarget
{
    public const string NetworkSet = "Network";
    public const string AdapterSet = "Adapter";
    public const string SegmentSet = "Segment";

    public static IEnumerable<(string Name, PacketCapture Capture)> Resolve(PSCmdlet cmdlet, string[]? networks, VirtualNic[]? adapters, CaptureSegment? segment)
    {
        var world = LabState.Network;
        switch (cmdlet.ParameterSetName)
        {
            case AdapterSet:
                foreach (var nic in adapters ?? [])
                {
                    if (!world.Adapters.Contains(nic))
                        cmdlet.WriteError(Errors.Create(ErrorIds.AdapterNotFound, ErrorKind.ObjectNotFound, $"Adapter {nic.GuestName}/{nic.Name} is not connected.", nic));
                    else yield return ($"{nic.GuestName}/{nic.Name}", nic.Port.Capture);
                }
                break;
            case SegmentSet:
                yield return (segment.ToString()!, segment == CaptureSegment.Lan ? world.Lan.Capture : world.Internet.Capture);
                break;
            default:
                foreach (var n in NetworkLookup.Match(cmdlet, networks ?? []).ToList()) yield return (n.Name, n.Capture);
                break;
        }
    }
}
