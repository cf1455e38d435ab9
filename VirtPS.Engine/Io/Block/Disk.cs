using VirtPS.Engine.Costs;
using VirtPS.Engine.Io.Ata;
using VirtPS.Engine.Io.Pci;
using VirtPS.Engine.Io.Virtio;

namespace VirtPS.Engine.Io.Block;

/// <summary>
/// A guest disk backed by a raw image file on the host. Emulated: an ATA disk on the primary IDE channel (PIO, IRQ 14).
/// Paravirtual: a virtio-blk device on PCI whose backend reaches guest memory directly. Passthrough: the same virtio-blk
/// function assigned to the guest, its DMA through the IOMMU (the context's DMA path) and its interrupt posted.
/// </summary>
public sealed class Disk : GuestDevice
{
    readonly DiskImage _image;
    AtaDisk? _ata;
    VirtioPciFunction? _pci;
    VirtioBlkDevice? _blk;
    DeviceContext? _context;

    public Disk(string name, DiskImage image, IoMode mode) : base(name, DeviceClass.Block, mode) => _image = image;

    public DiskImage Image => _image;
    /// <summary>Offer VIRTIO_F_EVENT_IDX (off: measure what notification suppression saves). Read when attached.</summary>
    public bool EventIdx { get; set; } = true;
    /// <summary>Offer VIRTIO_F_INDIRECT_DESC. Read when attached.</summary>
    public bool IndirectDescriptors { get; set; } = true;

    public override string Model => Mode == IoMode.Emulated ? "ATA disk (PIO, ports 0x1F0-0x1F7, IRQ 14)" : "virtio-blk (PCI)";
    public override IReadOnlyList<IoMode> Modes => [IoMode.Emulated, IoMode.Paravirtual, IoMode.Passthrough];
    public override int Irq => _ata != null ? AtaDisk.PrimaryIrq : _pci?.Irq ?? -1;
    public override int PciSlot => _pci is null ? -1 : _slot;
    int _slot = -1;   // where PciBus.Add put the function
    public override IReadOnlyList<(ushort First, int Count)> PortRanges =>
        _ata != null ? [(AtaDisk.PrimaryCommandBlock, 8), (AtaDisk.PrimaryControlBlock, 1)]
        : _pci != null ? [(_pci.IoBase, _pci.IoSize)] : [];

    /// <summary>The virtio transport and device, while attached in a virtio mode.</summary>
    public VirtioPciFunction? Transport => _pci;
    public VirtioBlkDevice? Virtio => _blk;
    /// <summary>The ATA model, while attached emulated.</summary>
    public AtaDisk? Ata => _ata;

    protected override void OnAttach(DeviceContext context)
    {
        _context = context;
        bool posted = Mode == IoMode.Passthrough;
        if (Mode == IoMode.Emulated)
        {
            _ata = new AtaDisk(_image);
            _ata.Attach(context.Ports);
            _ata.Interrupt = () => { Counters.Interrupts++; context.RaiseIrq(AtaDisk.PrimaryIrq, false); };
            // The device model is the VMM's: each command is a backend request, each sector a copy through it.
            _ata.CommandStarted = () => context.Charge(CostEvent.BackendRequest, 1);
            _ata.SectorMoved = () => context.Charge(CostEvent.BackendCopyLine, DiskImage.SectorSize / 64);
        }
        else
        {
            _blk = new VirtioBlkDevice(_image, context.Dma, "virtps-" + Name, EventIdx, IndirectDescriptors);
            _pci = new VirtioPciFunction(_blk);
            _pci.Interrupt = f => { Counters.Interrupts++; context.RaiseIrq(f.Irq, posted); };
            _blk.UsedBufferNotification = _pci.SignalUsed;   // the device decides after each request it completes
            if (Mode == IoMode.Paravirtual)
            {
                // The backend in the VMM parses each request and copies its data; an assigned device's own hardware does that.
                long requests = 0, sectors = 0;
                var blk = _blk;
                _pci.Notified = () =>
                {
                    long r = blk.Requests, s = blk.SectorsRead + blk.SectorsWritten;
                    context.Charge(CostEvent.BackendRequest, r - requests);
                    context.Charge(CostEvent.BackendCopyLine, (s - sectors) * (DiskImage.SectorSize / 64));
                    requests = r; sectors = s;
                };
            }
            _slot = context.Pci.Add(_pci);
        }
    }

    protected override void OnDetach(DeviceContext context)
    {
        SyncCounters();
        if (_ata != null) { context.Ports.Unmap(AtaDisk.PrimaryCommandBlock, 8); context.Ports.Unmap(AtaDisk.PrimaryControlBlock, 1); }
        if (_pci != null) context.Pci.Remove(_pci);
        _ata = null; _pci = null; _blk = null; _context = null; _slot = -1;
    }

    public override IVirtioBackend? VirtioBackend => _blk;

    /// <summary>Brings <see cref="GuestDevice.Counters"/> up to date from the model (requests, bytes, notifications).</summary>
    public override void SyncCounters()
    {
        var c = Counters;
        if (_ata != null)
        {
            long sectors = _ata.SectorsRead + _ata.SectorsWritten;
            c.Bytes = sectors * DiskImage.SectorSize;
            c.Requests = _ata.Commands.Values.Sum();
            c.Notifications = c.Requests;   // the Command register write is the request's doorbell
        }
        else if (_blk != null && _pci != null)
        {
            c.Requests = _blk.Requests;
            c.Bytes = (_blk.SectorsRead + _blk.SectorsWritten) * DiskImage.SectorSize;
            c.Notifications = _pci.Notifications;
            c.NotificationsSuppressed = Math.Max(0, _blk.Requests - _pci.Notifications);
            var q = _blk.RequestQueue?.Counters;
            c.UsedNotifications = q?.InterruptsSent ?? 0;
            c.InterruptsSuppressed = q?.InterruptsSuppressed ?? 0;
            if (_context?.Dma is Memory.Iommu.IommuDma dma) { c.IommuTranslations = dma.Transfers; c.IommuFaults = dma.Refused; }
        }
    }

    public override void Close() => _image.Dispose();
}
