namespace VirtPS.Engine.Io.Pci;

/// <summary>
/// PCI bus 0 behind configuration mechanism #1 (PCI Local Bus Specification 3.0, 3.2.2.3.2): software writes an
/// address (enable bit 31, bus 23:16, device 15:11, function 10:8, register 7:2) to CONFIG_ADDRESS at 0xCF8 and
/// reads or writes the dword at CONFIG_DATA, 0xCFC-0xCFF. Only function 0 of each device exists; a read of an empty
/// slot returns all ones, which is how software finds the slot empty. The firmware's part is done at
/// <see cref="Add"/>: each function's IO BAR gets a base and its interrupt line an IRQ.
/// </summary>
public sealed class PciBus : IPortDevice
{
    public const ushort ConfigAddressPort = 0xCF8, ConfigDataPort = 0xCFC;
    /// <summary>Where the firmware places IO BARs: one 256-byte window per slot from here (above the legacy ports).</summary>
    public const ushort IoWindowBase = 0xC000;
    /// <summary>IRQs the firmware hands to PCI functions, round robin (the legacy parts keep 1, 12, 14, 10).</summary>
    static readonly int[] PciIrqs = [11, 9, 5];

    readonly PciFunction?[] _slots = new PciFunction?[32];
    uint _address;
    PortBus? _ports;

    public void Attach(PortBus ports)
    {
        _ports = ports;
        ports.Map(ConfigAddressPort, 8, this);
    }

    /// <summary>The functions present, by slot.</summary>
    public IEnumerable<(int Slot, PciFunction Function)> Functions =>
        _slots.Select((f, k) => (k, f)).Where(x => x.f != null).Select(x => (x.k, x.f!));

    /// <summary>The slot the next <see cref="Add"/> takes (the first free one from 1), or -1 if the bus is full: an assigned
    /// device's requester ID is known before it is plugged in.</summary>
    public int NextSlot => Array.FindIndex(_slots, 1, s => s == null);

    /// <summary>Puts <paramref name="function"/> in the first free slot (from 1: slot 0 is the host bridge's), places its
    /// IO BAR and assigns its IRQ, as firmware does before the OS boots. Returns the slot.</summary>
    public int Add(PciFunction function)
    {
        int slot = NextSlot;
        if (slot < 0) throw new InvalidOperationException("PCI bus 0 is full.");
        _slots[slot] = function;
        ushort bar = (ushort)(IoWindowBase + slot * 0x100);
        function.Place(bar, PciIrqs[(slot - 1) % PciIrqs.Length]);
        _ports?.Map(bar, function.IoSize, function);
        return slot;
    }

    /// <summary>Takes <paramref name="function"/> off the bus and frees its IO window.</summary>
    public void Remove(PciFunction function)
    {
        int slot = Array.IndexOf(_slots, function);
        if (slot < 0) return;
        _slots[slot] = null;
        _ports?.Unmap(function.IoBase, function.IoSize);
    }

    public ulong In(ushort port, int size)
    {
        if (port < ConfigDataPort) return port == ConfigAddressPort && size == 4 ? _address : Floating(size);
        if ((_address & 0x8000_0000) == 0 || (_address >> 16 & 0xFF) != 0 || (_address >> 8 & 7) != 0
            || _slots[_address >> 11 & 31] is not { } f)
            return Floating(size);
        int offset = (int)(_address & 0xFC) + (port - ConfigDataPort);
        return f.ReadConfig(offset, size);
    }

    public void Out(ushort port, int size, ulong value)
    {
        if (port < ConfigDataPort)
        {
            if (port == ConfigAddressPort && size == 4) _address = (uint)value & 0x80FF_FFFC;
            return;
        }
        if ((_address & 0x8000_0000) == 0 || (_address >> 16 & 0xFF) != 0 || (_address >> 8 & 7) != 0
            || _slots[_address >> 11 & 31] is not { } f)
            return;
        f.WriteConfig((int)(_address & 0xFC) + (port - ConfigDataPort), size, (uint)value);
    }

    static ulong Floating(int size) => size == 4 ? 0xFFFF_FFFFUL : size == 2 ? 0xFFFFUL : 0xFFUL;
}
