namespace VirtPS.Engine.Io;

/// <summary>
/// A device of a guest: a name the guest's user sees (hda, vda, eth0, kbd), what it is for, and its IO mode. Plugged into
/// the guest's machine by <see cref="Attach"/>, which builds the model its mode calls for (a legacy register-level part,
/// a virtio device on PCI, or an assigned device behind the IOMMU); <see cref="Detach"/> takes it off again so the mode
/// can change while the guest is stopped.
/// </summary>
public abstract class GuestDevice
{
    protected GuestDevice(string name, DeviceClass deviceClass, IoMode mode)
    {
        Name = name; Class = deviceClass; Mode = mode;
    }

    public string Name { get; }
    public DeviceClass Class { get; }
    public IoMode Mode { get; private set; }
    /// <summary>The hardware the guest sees in this mode (e.g. "ATA disk (PIO)", "virtio-blk (PCI)").</summary>
    public abstract string Model { get; }
    /// <summary>The modes this device can take.</summary>
    public abstract IReadOnlyList<IoMode> Modes { get; }
    public DeviceCounters Counters { get; private set; } = new();
    /// <summary>The IO-port ranges the device decodes while attached (for exit attribution and the passthrough IO bitmap).</summary>
    public abstract IReadOnlyList<(ushort First, int Count)> PortRanges { get; }
    /// <summary>The port ranges as text, e.g. "0x1F0-0x1F7, 0x3F6".</summary>
    public string Ports => string.Join(", ", PortRanges.Select(r => r.Count == 1 ? $"0x{r.First:X}" : $"0x{r.First:X}-0x{r.First + r.Count - 1:X}"));
    /// <summary>The IRQ the device raises while attached; -1 if none.</summary>
    public abstract int Irq { get; }
    /// <summary>The PCI slot of a device on PCI bus 0 while attached; -1 for a legacy part.</summary>
    public virtual int PciSlot => -1;
    public bool Attached { get; private set; }
    /// <summary>The guest the device belongs to.</summary>
    public string? GuestName { get; internal set; }
    /// <summary>The virtio device behind a device in a virtio mode (its queues live in guest memory); null otherwise.</summary>
    public virtual Virtio.IVirtioBackend? VirtioBackend => null;

    /// <summary>Brings <see cref="Counters"/> up to date from the model's own counts (requests, bytes, notifications).</summary>
    public virtual void SyncCounters() { }

    /// <summary>Builds the model for <see cref="Mode"/> and plugs it in.</summary>
    public void Attach(DeviceContext context)
    {
        if (Attached) throw new InvalidOperationException($"{Name} is already attached.");
        OnAttach(context);
        Attached = true;
    }

    public void Detach(DeviceContext context)
    {
        if (!Attached) return;
        OnDetach(context);
        Attached = false;
    }

    /// <summary>Changes the mode of a detached device; its counters start again.</summary>
    public void ChangeMode(IoMode mode)
    {
        if (Attached) throw new InvalidOperationException($"Detach {Name} before changing its mode.");
        Mode = mode;
        Counters = new();
    }

    protected abstract void OnAttach(DeviceContext context);
    protected abstract void OnDetach(DeviceContext context);

    /// <summary>Releases host resources (an image file). The device cannot be attached again.</summary>
    public virtual void Close() { }

    public override string ToString() => $"{Name} ({Class}, {Mode}: {Model})";
}
