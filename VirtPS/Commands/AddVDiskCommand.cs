using System.Management.Automation;
using VirtPS.Engine;
using VirtPS.Engine.Guests;
using VirtPS.Engine.Io;

namespace VirtPS.Commands;

/// <summary>Gives a guest a disk backed by a raw image file on the host, in an IO mode: Emulated (an ATA disk on the legacy
/// ports, PIO), Paravirtual (virtio-blk on PCI, split virtqueues in guest memory) or Passthrough (the virtio-blk function
/// assigned to the guest, its DMA remapped by the IOMMU). The image is created, sparse, when it does not exist and -SizeMB
/// is given; what the guest writes is in the file when the write completes. Only before the guest's first step, or once it
/// has stopped.</summary>
[Cmdlet(VerbsCommon.Add, "VDisk", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(GuestDevice))]
public sealed class AddVDiskCommand : PSCmdlet
{
    /// <summary>The guests to give the disk: guest objects, names or wildcard patterns (each gets its own device on the same
    /// image; a passthrough image can belong to only one).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [GuestTransformation]
    [ArgumentCompleter(typeof(GuestNameCompleter))]
    [SupportsWildcards]
    [ValidateNotNull]
    public Guest[] Guest { get; set; } = [];

    /// <summary>The raw image file (relative paths are from the current location). Its directory must exist.</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    /// <summary>The size, in MiB, of an image that does not exist yet (it is created sparse); an existing image keeps its size.</summary>
    [Parameter]
    [ValidateRange(1, 1L << 20)]
    [PSDefaultValue(Help = "none: the image must exist")]
    public long? SizeMB { get; set; }

    /// <summary>Emulated, Paravirtual or Passthrough.</summary>
    [Parameter]
    public IoMode Mode { get; set; } = IoMode.Paravirtual;

    /// <summary>The device's name (letters and digits); by default vda, vdb, ... for virtio and hda for ATA.</summary>
    [Parameter]
    [PSDefaultValue(Help = "vdX or hdX")]
    public string? Name { get; set; }

    /// <summary>Off: the virtio-blk device does not offer VIRTIO_F_EVENT_IDX, so the driver cannot suppress notifications
    /// precisely (to measure what the feature saves).</summary>
    [Parameter]
    public OnOff EventIdx { get; set; } = OnOff.On;

    protected override void ProcessRecord()
    {
        string full = GetUnresolvedProviderPathFromPSPath(Path);
        foreach (var g in Guest)
        {
            if (!ShouldProcess(g.Name, $"Add a {Mode} disk backed by '{full}'")) continue;
            try { WriteObject(g.AddDisk(full, SizeMB, Mode, Name, EventIdx == OnOff.On)); }
            catch (VirtPSException e) { WriteError(Errors.From(e)); }
        }
    }
}
