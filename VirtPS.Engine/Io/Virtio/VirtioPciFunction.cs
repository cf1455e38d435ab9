using System.Buffers.Binary;
using VirtPS.Engine.Io.Pci;

namespace VirtPS.Engine.Io.Virtio;

/// <summary>
/// The virtio PCI transport (virtio 1.2, §4.1) for one <see cref="IVirtioBackend"/>: a modern device (device ID 0x1040 +
/// type, revision 1) whose four structures all sit in BAR 0, an IO BAR, as §4.1.4.1 allows ("used to map the structure
/// into Memory or I/O Space") and QEMU's "modern-pio-notify" does: common configuration at 0x00 (struct
/// virtio_pci_common_cfg, §4.1.4.3), queue notifications at 0x40 with notify_off_multiplier 2 (queue k at 0x40 + 2k,
/// §4.1.4.4), the ISR status byte at 0x60 (§4.1.4.5) and the device configuration at 0x80. The driver finds them through
/// vendor-specific capabilities (cap_vndr 0x09, struct virtio_pci_cap) in configuration space. INTx only: MSI-X is not
/// offered, so config_msix_vector and queue_msix_vector read as NO_VECTOR (0xFFFF).
/// </summary>
public sealed class VirtioPciFunction : PciFunction
{
    public const ushort VendorId = 0x1AF4;
    public const int CommonCfg = 0x00, NotifyCfg = 0x40, IsrCfg = 0x60, DeviceCfg = 0x80;
    public const int NotifyOffMultiplier = 2;
    public const byte CapCommon = 1, CapNotify = 2, CapIsr = 3, CapDevice = 4;
    const ushort NoVector = 0xFFFF;

    readonly IVirtioBackend _backend;
    readonly QueueRegisters[] _queues;
    uint _deviceFeatureSelect, _driverFeatureSelect;
    ulong _driverFeatures;
    byte _status, _isr;
    ushort _queueSelect;

    sealed class QueueRegisters
    {
        public ushort Size, Enable;
        public ulong Desc, Driver, Device;
    }

    public VirtioPciFunction(IVirtioBackend backend)
        : base(VendorId, (ushort)(0x1040 + backend.DeviceType), 1,
               backend.DeviceType == 1 ? 0x020000u : 0x018000u,   // network controller; mass storage, other
               VendorId, (ushort)(0x40 + backend.DeviceType))
    {
        _backend = backend;
        _queues = Enumerable.Range(0, backend.QueueCount).Select(_ => new QueueRegisters { Size = (ushort)backend.MaxQueueSize }).ToArray();
        AddCapability(0x40, Cap(CapCommon, CommonCfg, 0x38), 0x50);
        var notify = new byte[20];
        Cap(CapNotify, NotifyCfg, (uint)(NotifyOffMultiplier * backend.QueueCount)).CopyTo(notify, 0);
        notify[2] = 20;
        BinaryPrimitives.WriteUInt32LittleEndian(notify.AsSpan(16), NotifyOffMultiplier);
        AddCapability(0x50, notify, 0x64);
        AddCapability(0x64, Cap(CapIsr, IsrCfg, 1), 0x74);
        AddCapability(0x74, Cap(CapDevice, DeviceCfg, 0x80), 0);
    }

    /// <summary>struct virtio_pci_cap (§4.1.4): cap_vndr, cap_next, cap_len, cfg_type, bar, id, padding, offset, length.</summary>
    static byte[] Cap(byte type, int offset, uint length)
    {
        var c = new byte[16];
        c[0] = 0x09; c[2] = 16; c[3] = type; c[4] = 0;
        BinaryPrimitives.WriteUInt32LittleEndian(c.AsSpan(8), (uint)offset);
        BinaryPrimitives.WriteUInt32LittleEndian(c.AsSpan(12), length);
        return c;
    }

    public override int IoSize => 0x100;
    public IVirtioBackend Backend => _backend;
    /// <summary>device_status (§2.1).</summary>
    public byte Status => _status;
    /// <summary>Features the driver accepted (FEATURES_OK written).</summary>
    public ulong DriverFeatures => _driverFeatures;

    /// <summary>Available buffer notifications received (writes to a queue's notify address).</summary>
    public long Notifications { get; private set; }
    /// <summary>Used buffer notifications sent: interrupts asserted. What the driver's suppression saved is counted by each
    /// queue (<see cref="VirtqueueCounters.InterruptsSuppressed"/>), where the decisions are made.</summary>
    public long InterruptsSent { get; private set; }

    public override ulong In(ushort port, int size)
    {
        int r = port - IoBase;
        if (r >= DeviceCfg)
        {
            Span<byte> b = stackalloc byte[8];
            _backend.ReadConfig(r - DeviceCfg, b[..size]);
            return BinaryPrimitives.ReadUInt64LittleEndian(b) & Mask(size);
        }
        if (r == IsrCfg)
        {
            // §4.1.4.5.1: reading the ISR status resets it to 0 and de-asserts the interrupt.
            byte v = _isr;
            _isr = 0;
            DeassertInterrupt();
            return v;
        }
        if (r >= NotifyCfg) return 0;
        var q = _queueSelect < _queues.Length ? _queues[_queueSelect] : null;
        ulong v64 = r switch
        {
            >= 0x00 and < 0x04 => _deviceFeatureSelect >> (8 * r),
            >= 0x04 and < 0x08 => Feature(_backend.DeviceFeatures, _deviceFeatureSelect) >> (8 * (r - 4)),
            >= 0x08 and < 0x0C => _driverFeatureSelect >> (8 * (r - 8)),
            >= 0x0C and < 0x10 => Feature(_driverFeatures, _driverFeatureSelect) >> (8 * (r - 12)),
            0x10 => NoVector,
            0x12 => (ulong)_queues.Length,
            0x14 => _status,                          // device_status; config_generation (0x15) stays 0
            0x16 => _queueSelect,
            0x18 => q?.Size ?? 0,
            0x1A => NoVector,
            0x1C => q?.Enable ?? 0,
            0x1E => q is null ? 0UL : _queueSelect,   // queue_notify_off: queue k's own slot
            >= 0x20 and < 0x28 => (q?.Desc ?? 0) >> (8 * (r - 0x20)),
            >= 0x28 and < 0x30 => (q?.Driver ?? 0) >> (8 * (r - 0x28)),
            >= 0x30 and < 0x38 => (q?.Device ?? 0) >> (8 * (r - 0x30)),
            _ => 0,
        };
        return v64 & Mask(size);
    }

    public override void Out(ushort port, int size, ulong value)
    {
        int r = port - IoBase;
        if (r >= DeviceCfg || r == IsrCfg) return;   // no writable device configuration; ISR is read-only
        if (r >= NotifyCfg)
        {
            int index = (r - NotifyCfg) / NotifyOffMultiplier;
            if (index < _queues.Length && (ushort)value == index) OnNotify(index);
            return;
        }
        var q = _queueSelect < _queues.Length ? _queues[_queueSelect] : null;
        uint v = (uint)value;
        switch (r)
        {
            case 0x00: _deviceFeatureSelect = v; break;
            case 0x08: _driverFeatureSelect = v; break;
            case 0x0C:
                if ((_status & VirtioStatus.FeaturesOk) != 0) break;   // §3.1.1: features are fixed once FEATURES_OK is set
                if (_driverFeatureSelect == 0) _driverFeatures = (_driverFeatures & 0xFFFF_FFFF_0000_0000UL) | v;
                else if (_driverFeatureSelect == 1) _driverFeatures = (_driverFeatures & 0xFFFF_FFFFUL) | (ulong)v << 32;
                break;
            case 0x14: WriteStatus((byte)value); break;
            case 0x16: _queueSelect = (ushort)value; break;
            case 0x18 when q != null && q.Enable == 0: q.Size = (ushort)value; break;
            case 0x1C when q != null && value == 1 && q.Enable == 0: EnableQueue(_queueSelect, q); break;
            case >= 0x20 and < 0x28 when q != null && q.Enable == 0: q.Desc = Put(q.Desc, r - 0x20, size, value); break;
            case >= 0x28 and < 0x30 when q != null && q.Enable == 0: q.Driver = Put(q.Driver, r - 0x28, size, value); break;
            case >= 0x30 and < 0x38 when q != null && q.Enable == 0: q.Device = Put(q.Device, r - 0x30, size, value); break;
        }
    }

    void WriteStatus(byte value)
    {
        if (value == 0) { Reset(); return; }
        if ((value & VirtioStatus.FeaturesOk) != 0 && (_status & VirtioStatus.FeaturesOk) == 0)
        {
            // §3.1.1 step 5-6: the device keeps FEATURES_OK only if it accepts the subset (it must include VERSION_1).
            ulong accepted = _backend.Negotiate(_driverFeatures);
            if (accepted != _driverFeatures || (accepted & VirtqueueFeatures.Version1) == 0) value &= unchecked((byte)~VirtioStatus.FeaturesOk);
        }
        _status = value;
    }

    void Reset()
    {
        _status = 0; _isr = 0; _driverFeatures = 0; _queueSelect = 0;
        foreach (var q in _queues) { q.Enable = 0; q.Size = (ushort)_backend.MaxQueueSize; q.Desc = q.Driver = q.Device = 0; }
        _backend.Reset();
        DeassertInterrupt();
    }

    void EnableQueue(int index, QueueRegisters q)
    {
        if (!SplitVirtqueue.IsValidSize(q.Size) || q.Size > _backend.MaxQueueSize) return;
        _backend.SetUpQueue(index, q.Size, q.Desc, q.Driver, q.Device);
        q.Enable = 1;
    }

    /// <summary>Told after the backend handled a notification (the VMM prices the backend's work by what it did).</summary>
    public Action? Notified { get; set; }

    void OnNotify(int index)
    {
        Notifications++;
        if ((_status & VirtioStatus.DriverOk) == 0 || _queues[index].Enable == 0) return;
        if (_backend.Notify(index)) SignalUsed();
        Notified?.Invoke();
    }

    /// <summary>A used buffer notification: ISR bit 0 and INTx (§4.1.4.5). Also called by a backend that completes work
    /// without a notification from the driver (a frame arriving for virtio-net's receive queue).</summary>
    public void SignalUsed()
    {
        _isr |= 1;
        InterruptsSent++;
        AssertInterrupt();
    }

    static ulong Feature(ulong features, uint select) => select switch { 0 => features & 0xFFFF_FFFF, 1 => features >> 32, _ => 0 };
    static ulong Mask(int size) => size >= 8 ? ulong.MaxValue : (1UL << (8 * size)) - 1;
    static ulong Put(ulong old, int at, int size, ulong value)
    {
        ulong mask = Mask(size) << (8 * at);
        return (old & ~mask) | ((value << (8 * at)) & mask);
    }
}
