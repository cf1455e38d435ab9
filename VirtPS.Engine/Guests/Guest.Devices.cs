using VirtPS.Engine.Io;
using VirtPS.Engine.Io.Block;
using VirtPS.Engine.Memory;
using VirtPS.Engine.Memory.Iommu;

namespace VirtPS.Engine.Guests;

public sealed partial class Guest
{
    readonly List<GuestDevice> _devices = [];

    /// <summary>The guest's devices (besides its serial console), in the order they were added.</summary>
    public IReadOnlyList<GuestDevice> Devices => _devices;

    /// <summary>The guest's device called <paramref name="name"/> (compared without case), or null.</summary>
    public GuestDevice? Device(string name) => _devices.FirstOrDefault(d => string.Equals(d.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>The remapping hardware an assigned device's DMA goes through, made with the guest's first passthrough device:
    /// one VT-d unit whose domain 1 maps the guest's memory, guest-physical to host-physical.</summary>
    public IommuUnit? Iommu { get; private set; }
    public IommuDomain? IommuDomain { get; private set; }

    /// <summary>The guest's IOMMU domain (mappings, faults, counts); null until a passthrough device was added.</summary>
    public GuestIommu? IommuView => Iommu is { } u && IommuDomain is { } d ? new GuestIommu(this, u, d) : null;

    /// <summary>Whether the guest has started and not stopped: its kernel has found its devices and drives them.</summary>
    public bool IsRunning => State == GuestState.Ready && Machine.Cpu.Retired > 0;

    /// <summary>Host resources a passthrough device holds (an image file's full path), by the guest they are assigned to:
    /// a device belongs to one guest at a time, across every lab in the process.</summary>
    static readonly Dictionary<string, Guest> Assigned = new(StringComparer.Ordinal);

    /// <summary>Adds a disk backed by the raw image at <paramref name="path"/> (created, sparse, with <paramref name="sizeMB"/>
    /// MiB if absent) in <paramref name="mode"/>, named vda, vdb, ... (virtio) or hda, hdb, ... (ATA) unless named.
    /// <paramref name="eventIdx"/> false: a virtio disk does not offer VIRTIO_F_EVENT_IDX (read when the disk attaches, here).</summary>
    public Disk AddDisk(string path, long? sizeMB, IoMode mode, string? name = null, bool eventIdx = true)
    {
        CheckStopped("add a disk");
        CheckMode(mode, [IoMode.Emulated, IoMode.Paravirtual, IoMode.Passthrough], "disk");
        if (mode == IoMode.Emulated && _devices.OfType<Disk>().Any(d => d.Mode == IoMode.Emulated))
            throw new VirtPSException(ErrorIds.DeviceNameInUse, ErrorKind.ResourceExists,
                $"Guest '{Name}' already has an emulated disk: the primary IDE channel holds one device here.", Name);
        name ??= NextName(mode == IoMode.Emulated ? "hd" : "vd");
        CheckNewName(name);
        string full = Path.GetFullPath(path);
        if (mode == IoMode.Passthrough) CheckAssignable(full);
        var image = DiskImage.Open(full, sizeMB);
        var disk = new Disk(name, image, mode) { EventIdx = eventIdx };
        try { Plug(disk); }
        catch { image.Dispose(); throw; }
        if (mode == IoMode.Passthrough) lock (Assigned) Assigned[full] = this;
        return disk;
    }

    /// <summary>Adds <paramref name="device"/> (a device class of its own: a NIC, the keyboard) and plugs it in.</summary>
    public T AddDevice<T>(T device) where T : GuestDevice
    {
        CheckStopped("add a device");
        CheckNewName(device.Name);
        CheckMode(device.Mode, device.Modes, device.Class.ToString().ToLowerInvariant());
        Plug(device);
        return device;
    }

    /// <summary>Unplugs and forgets the device; its host resources are released.</summary>
    public void RemoveDevice(string name)
    {
        var d = Device(name) ?? throw NoDevice(name);
        CheckStopped($"remove {d.Name}");
        d.Detach(ContextFor(d));
        _devices.Remove(d);
        Release(d);
        d.Close();
        UpdatePorts();
    }

    /// <summary>Changes a device's IO mode: refused while the guest runs (its driver would be lost), done while it is stopped.</summary>
    public void SetDeviceMode(string name, IoMode mode)
    {
        var d = Device(name) ?? throw NoDevice(name);
        CheckMode(mode, d.Modes, d.Class.ToString().ToLowerInvariant());
        if (d.Mode == mode) return;
        CheckStopped($"change the mode of {d.Name}");
        if (mode == IoMode.Passthrough && d is Disk disk) CheckAssignable(disk.Image.Path);
        d.Detach(ContextFor(d));
        Release(d);
        d.ChangeMode(mode);
        d.Attach(ContextFor(d));
        if (mode == IoMode.Passthrough && d is Disk disk2) lock (Assigned) Assigned[disk2.Image.Path] = this;
        if (d is Io.Net.NetworkAdapter nic) WriteNetworkCommandLine(nic);
        UpdatePorts();
    }

    /// <summary>Releases every device's host resources (the guest is being removed).</summary>
    public void CloseDevices()
    {
        foreach (var d in _devices) { Release(d); d.Close(); }
        _devices.Clear();
        _portOwners = [];
    }

    /// <summary>Turns a virtio disk's VIRTIO_F_EVENT_IDX offer on or off (while stopped: the device is plugged in again).</summary>
    public void SetEventIdx(string name, bool on)
    {
        if ((Device(name) ?? throw NoDevice(name)) is not Disk d)
            throw new VirtPSException(ErrorIds.DeviceModeNotSupported, ErrorKind.InvalidArgument, $"Device '{name}' is not a disk; EVENT_IDX is a virtio-blk option here.", name);
        if (d.EventIdx == on) return;
        CheckStopped($"change {d.Name}'s features");
        d.Detach(ContextFor(d));
        d.EventIdx = on;
        d.Attach(ContextFor(d));
        UpdatePorts();
    }

    /// <summary>Queue <paramref name="queue"/> of the device's virtio queues as it stands in guest memory; null before the
    /// driver set it up.</summary>
    public Io.Virtio.VirtqueueSnapshot? ReadVirtqueue(string device, int queue = 0)
    {
        var d = Device(device) ?? throw NoDevice(device);
        if (d.VirtioBackend is not { } v)
            throw new VirtPSException(ErrorIds.NotAVirtioDevice, ErrorKind.InvalidArgument,
                $"Device '{d.Name}' is {d.Mode} ({d.Model}): it has no virtqueues. Virtqueues belong to Paravirtual and Passthrough devices.", device);
        if (queue < 0 || queue >= v.QueueCount)
            throw new VirtPSException(ErrorIds.InvalidQueueIndex, ErrorKind.InvalidArgument,
                $"Device '{d.Name}' has {v.QueueCount} virtqueue(s), numbered from 0; got {queue}.", queue);
        return v.Queue(queue) is { } q ? Io.Virtio.VirtqueueSnapshot.Read(d.Name, queue, q, new GuestMemoryDma(Machine.Memory)) : null;
    }

    void Plug(GuestDevice d)
    {
        d.GuestName = Name;
        d.Attach(ContextFor(d));
        _devices.Add(d);
        UpdatePorts();
    }

    void Release(GuestDevice d)
    {
        if (d is Disk disk) lock (Assigned) { if (Assigned.TryGetValue(disk.Image.Path, out var g) && ReferenceEquals(g, this)) Assigned.Remove(disk.Image.Path); }
    }

    DeviceContext ContextFor(GuestDevice d) =>
        new(Machine.Cpu.Ports, Machine.Pci, d.Mode == IoMode.Passthrough ? PassthroughDma(d) : new GuestMemoryDma(Machine.Memory), Machine.RaiseIrq,
            (e, n) => Vmm.Events.Charge(e, n));

    /// <summary>An assigned device's DMA path: requester ID bus 0, its PCI slot, function 0, in the guest's IOMMU domain.</summary>
    IDma PassthroughDma(GuestDevice d)
    {
        if (Iommu is null)
        {
            Iommu = new IommuUnit();
            IommuDomain = Iommu.CreateDomain(1, IommuAddressWidth.Bits48);
            // The guest's RAM is host memory the hypervisor gave it: here the guest's own frames, at the same addresses.
            Iommu.Map(IommuDomain, 0, 0, Machine.Memory.Size, read: true, write: true);
        }
        int slot = Machine.Pci.NextSlot;   // where the device is about to be plugged in
        var source = new SourceId(0, (byte)slot, 0);
        Iommu.Attach(IommuDomain!, source);
        return new IommuDma(Iommu, source, Machine.Memory);
    }

    /// <summary>Which device decodes each port, rebuilt whenever a device is plugged in, removed or re-attached (its ranges
    /// are fixed while attached: the firmware placed its BAR), so an IN or OUT finds its device with one lookup.</summary>
    Dictionary<ushort, GuestDevice> _portOwners = [];

    /// <summary>Rebuilds the port-to-device map; under VT-x an assigned device's ports are also left out of the IO bitmaps,
    /// so the guest reaches its registers with no VM exit; every other port still exits (SDM Vol. 3C, 25.6.4).</summary>
    void UpdatePorts()
    {
        var owners = new Dictionary<ushort, GuestDevice>();
        var direct = new HashSet<ushort>();
        foreach (var d in _devices)
            foreach (var (first, count) in d.PortRanges)
                for (int k = 0; k < count; k++)
                {
                    var port = (ushort)(first + k);
                    owners.TryAdd(port, d);   // the first device added wins, as the scan it replaces did
                    if (d.Mode == IoMode.Passthrough) direct.Add(port);
                }
        _portOwners = owners;
        if (Vmm is Styles.HardwareAssisted hw) hw.PassThroughPorts(direct);
    }

    GuestDevice? DeviceAt(ushort port) => _portOwners.GetValueOrDefault(port);

    void CheckStopped(string what)
    {
        if (ContainerHost is not null)
            throw new VirtPSException(ErrorIds.ContainerHasNoDevices, ErrorKind.InvalidOperation,
                $"Cannot {what} to container '{Name}': it has no machine of its own, only its host's shared kernel. Connect it to a network with Connect-VNetworkAdapter without -Mode (an interface of its own on the switch).", Name);
        if (IsRunning)
            throw new VirtPSException(ErrorIds.DeviceChangeWhileRunning, ErrorKind.InvalidOperation,
                $"Cannot {what} while guest '{Name}' runs: its kernel found its devices at boot, and the driver would be lost. Do it before the first step, or once the guest has stopped.", Name);
    }

    void CheckNewName(string name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > 16 || !name.All(c => char.IsAsciiLetterOrDigit(c)))
            throw new VirtPSException(ErrorIds.InvalidDeviceName, ErrorKind.InvalidArgument,
                $"Device name '{name}' is not valid: use 1 to 16 letters and digits.", name);
        if (Device(name) != null)
            throw new VirtPSException(ErrorIds.DeviceNameInUse, ErrorKind.ResourceExists, $"Guest '{Name}' already has a device named '{name}'.", name);
    }

    static void CheckMode(IoMode mode, IReadOnlyList<IoMode> modes, string what)
    {
        if (!modes.Contains(mode))
            throw new VirtPSException(ErrorIds.DeviceModeNotSupported, ErrorKind.InvalidArgument,
                $"A {what} device cannot be {mode}; it can be: {string.Join(", ", modes)}.", mode);
    }

    void CheckAssignable(string full)
    {
        lock (Assigned)
            if (Assigned.TryGetValue(full, out var owner))
                throw new VirtPSException(ErrorIds.DeviceAlreadyAssigned, ErrorKind.ResourceBusy,
                    $"The device backed by '{full}' is already assigned to guest '{owner.Name}': a passthrough device belongs to one guest at a time. Remove it there first.", full);
    }

    string NextName(string prefix, bool digits = false)
    {
        if (digits) for (int k = 0; ; k++) { if (Device(prefix + k) is null) return prefix + k; }
        for (char c = 'a'; ; c++) if (Device(prefix + c) is null) return prefix + c;
    }

    VirtPSException NoDevice(string name) =>
        new(ErrorIds.DeviceNotFound, ErrorKind.ObjectNotFound,
            $"Guest '{Name}' has no device '{name}'{(_devices.Count == 0 ? "" : "; it has: " + string.Join(", ", _devices.Select(d => d.Name)))}.", name);
}
