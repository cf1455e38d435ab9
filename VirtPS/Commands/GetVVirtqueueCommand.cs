using System.Management.Automation;
using VirtPS.Engine;
using VirtPS.Engine.Guests;
using VirtPS.Engine.Io.Virtio;

namespace VirtPS.Commands;

/// <summary>Decodes a virtio device's split virtqueue from guest memory, by the layouts of virtio 1.2 §2.7: the descriptor
/// table, the available ring (flags, idx, ring, used_event), the used ring (flags, idx, elements, avail_event), and where
/// the device stands in it.</summary>
[Cmdlet(VerbsCommon.Get, "VVirtqueue")]
[OutputType(typeof(VirtqueueSnapshot))]
public sealed class GetVVirtqueueCommand : PSCmdlet
{
    /// <summary>The guest: a guest object, name or wildcard pattern.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [GuestTransformation]
    [ArgumentCompleter(typeof(GuestNameCompleter))]
    [SupportsWildcards]
    [ValidateNotNull]
    public Guest[] Guest { get; set; } = [];

    /// <summary>The device's name (e.g. vda).</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    public string Device { get; set; } = "";

    /// <summary>The queue's index (virtio-blk has one, 0; virtio-net has receiveq 0 and transmitq 1).</summary>
    [Parameter]
    public int Queue { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var g in Guest)
        {
            try
            {
                if (g.ReadVirtqueue(Device, Queue) is { } q) WriteObject(q);
                else WriteWarning($"{g.Name}/{Device} queue {Queue} is not set up yet: the guest's driver has not enabled it (run the guest first).");
            }
            catch (VirtPSException e) { WriteError(Errors.From(e)); }
        }
    }
}
