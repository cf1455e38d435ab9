using System.Management.Automation;
using VirtPS.Engine;
using VirtPS.Engine.Guests;
using VirtPS.Engine.Io;

namespace VirtPS.Commands;

/// <summary>Changes a guest device's IO mode (or a virtio disk's EVENT_IDX offer). Refused while the guest runs, since its
/// kernel found the device at boot and the driver would be lost; done while the guest is stopped.</summary>
[Cmdlet(VerbsCommon.Set, "VDevice", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(GuestDevice))]
public sealed class SetVDeviceCommand : PSCmdlet
{
    /// <summary>The guest: a guest object, name or wildcard pattern.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [GuestTransformation]
    [ArgumentCompleter(typeof(GuestNameCompleter))]
    [SupportsWildcards]
    [ValidateNotNull]
    public Guest[] Guest { get; set; } = [];

    /// <summary>The device's name (e.g. vda, hda, eth0).</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = "";

    /// <summary>The new IO mode: Emulated, Paravirtual or Passthrough.</summary>
    [Parameter]
    [PSDefaultValue(Help = "unchanged")]
    public IoMode? Mode { get; set; }

    /// <summary>On or Off: whether a virtio disk offers VIRTIO_F_EVENT_IDX.</summary>
    [Parameter]
    [PSDefaultValue(Help = "unchanged")]
    public OnOff? EventIdx { get; set; }

    /// <summary>Writes the changed device to the pipeline.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var g in Guest)
        {
            if (!ShouldProcess($"{g.Name}/{Name}", "Change device")) continue;
            try
            {
                if (Mode is { } m) g.SetDeviceMode(Name, m);
                if (EventIdx is { } e) g.SetEventIdx(Name, e == OnOff.On);
                if (PassThru) WriteObject(g.Device(Name));
            }
            catch (VirtPSException e) { WriteError(Errors.From(e)); }
        }
    }
}
