using VirtPS.Engine.Io.Virtio;
using VirtPS.Engine.Network.Frames;
using VirtPS.Engine.Network.Switching;

namespace VirtPS.Engine.Io.Net;

/// <summary>
/// A guest NIC. Emulated: an NE2000 (DP8390) at ports 0x300-0x31F, IRQ 10, every register access intercepted.
/// Paravirtual: a virtio-net device on PCI whose backend reaches guest memory directly. Passthrough: the same virtio-net
/// function assigned to the guest, its DMA through the IOMMU (the context's DMA path), its ports reached with no exit under
/// VT-x and its interrupt posted. Whatever the mode, its frames go to the <see cref="Medium"/> it is connected to (a switch
/// port of a virtual network, through <see cref="INetworkAdapter"/>) and the medium's frames come in through the mode's
/// receive path (the NE2000's ring, virtio-net's receiveq), raising the IRQ.
/// </summary>
public sealed class NetworkAdapter : GuestDevice
{
    Ne2000? _ne2k;
    VirtioPciFunction? _pci;
    VirtioNetDevice? _net;
    DeviceContext? _context;
    INetworkAdapter? _medium;

    public NetworkAdapter(string name, MacAddress mac, IoMode mode) : base(name, DeviceClass.Network, mode)
    {
        if (mac.IsGroup || mac.Value == 0)
            throw new VirtPSException(ErrorIds.InvalidMacAddress, ErrorKind.InvalidArgument, $"{mac} is a group or zero address; a NIC needs a unicast MAC.", mac);
        Mac = mac;
    }

    public MacAddress Mac { get; }
    /// <summary>The IPv4 address and prefix the guest's kernel is told to use (null: none given).</summary>
    public Ipv4Address? Address { get; set; }
    public int PrefixLength { get; set; } = 24;

    public override string Model => Mode == IoMode.Emulated ? "NE2000 (DP8390, ports 0x300-0x31F, IRQ 10)" : "virtio-net (PCI)";
    public override IReadOnlyList<IoMode> Modes => [IoMode.Emulated, IoMode.Paravirtual, IoMode.Passthrough];
    public override int Irq => _ne2k != null ? Ne2000.DefaultIrq : _pci?.Irq ?? -1;
    public override int PciSlot => _pci is null ? -1 : _slot;
    int _slot = -1;   // where PciBus.Add put the function
    public override IReadOnlyList<(ushort First, int Count)> PortRanges =>
        _ne2k != null ? [(_ne2k.Base, Ne2000.PortCount)] : _pci != null ? [(_pci.IoBase, _pci.IoSize)] : [];

    /// <summary>The NE2000 model, while attached emulated.</summary>
    public Ne2000? Ne2000 => _ne2k;
    /// <summary>The virtio transport and device, while attached in a virtio mode.</summary>
    public VirtioPciFunction? Transport => _pci;
    public VirtioNetDevice? Virtio => _net;

    /// <summary>The medium the NIC's cable is plugged into (a switch port), or null.</summary>
    public INetworkAdapter? Medium => _medium;

    /// <summary>Plugs the NIC's cable into <paramref name="medium"/>: frames it sends go there, frames it delivers come in.</summary>
    public void Connect(INetworkAdapter medium)
    {
        Disconnect();
        _medium = medium;
        medium.Receive = OnWireFrame;
    }

    public void Disconnect()
    {
        if (_medium != null) _medium.Receive = null;
        _medium = null;
    }

    /// <summary>Frames the NIC dropped (its receive ring or queue was full, or it was not started); the frames it sent and
    /// received are its model's own counts (<see cref="Ne2000"/>, <see cref="Virtio"/>), which start again with each mode.</summary>
    public long FramesDropped => (_ne2k?.FramesDropped ?? 0) + (_net?.FramesDropped ?? 0) + _droppedDetached;
    long _droppedDetached;

    void OnWireFrame(byte[] frame)
    {
        bool stored = _ne2k != null ? _ne2k.Receive(frame)
            : _net != null ? _net.Receive(frame)
            : Dropped();
        if (!stored) return;
        Counters.Requests++;
        Counters.Bytes += frame.Length;
        ChargeBackend(frame.Length);
    }

    bool Dropped() { _droppedDetached++; return false; }

    void OnSend(byte[] frame)
    {
        Counters.Requests++;
        Counters.Bytes += frame.Length;
        ChargeBackend(frame.Length);
        _medium?.Send(frame);
    }

    protected override void OnAttach(DeviceContext context)
    {
        _context = context;
        Span<byte> mac = stackalloc byte[6];
        Mac.Write(mac);
        bool posted = Mode == IoMode.Passthrough;
        if (Mode == IoMode.Emulated)
        {
            _ne2k = new Ne2000(mac);
            _ne2k.Attach(context.Ports);
            _ne2k.Transmit = OnSend;
            _ne2k.Interrupt = () => { Counters.Interrupts++; context.RaiseIrq(Ne2000.DefaultIrq, false); };
        }
        else
        {
            _net = new VirtioNetDevice(mac, context.Dma) { Transmit = OnSend };
            _pci = new VirtioPciFunction(_net);
            _net.UsedBufferNotification = _pci.SignalUsed;
            _pci.Interrupt = f => { Counters.Interrupts++; context.RaiseIrq(f.Irq, posted); };
            _slot = context.Pci.Add(_pci);
        }
    }

    protected override void OnDetach(DeviceContext context)
    {
        SyncCounters();
        _ne2k?.Detach(context.Ports);
        if (_pci != null) context.Pci.Remove(_pci);
        _ne2k = null; _pci = null; _net = null; _context = null; _slot = -1;
    }

    /// <summary>The NIC is removed: its cable comes out of the medium (the medium's owner frees the port itself).</summary>
    public override void Close() => Disconnect();

    /// <summary>Brings the notification counters up to date from the virtio transport.</summary>
    public override void SyncCounters()
    {
        if (_ne2k != null) Counters.Notifications = _ne2k.FramesSent;   // the transmit command (TXP) is each frame's doorbell
        if (_pci == null) return;
        Counters.Notifications = _pci.Notifications;
        Counters.InterruptsSuppressed = (_net?.Queue(0)?.Counters.InterruptsSuppressed ?? 0) + (_net?.Queue(1)?.Counters.InterruptsSuppressed ?? 0);
        Counters.UsedNotifications = _pci.InterruptsSent;
        if (_context?.Dma is Memory.Iommu.IommuDma dma) { Counters.IommuTranslations = dma.Transfers; Counters.IommuFaults = dma.Refused; }
    }

    /// <summary>A frame went through the VMM's device model or backend: a request and a copy, on the CPU. An assigned NIC's
    /// own hardware moves its frames by DMA.</summary>
    void ChargeBackend(int length)
    {
        if (Mode == IoMode.Passthrough || _context is null) return;
        _context.Charge(Costs.CostEvent.BackendRequest, 1);
        _context.Charge(Costs.CostEvent.BackendCopyLine, (length + 63) / 64);
    }
}
