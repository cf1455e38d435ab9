namespace VirtPS.Engine.Io;

/// <summary>
/// The IO-port address space: 64 Ki byte-wide ports, each range owned by at most one device. An access to a
/// port no device owns reads as all ones and writes go nowhere, as on a PC's floating bus.
/// </summary>
public sealed class PortBus
{
    /// <summary>One device's mapped range: the device and the accesses it has had through it.</summary>
    sealed class Mapping(IPortDevice device) { public readonly IPortDevice Device = device; public long Accesses; }

    // Each port points at its range's mapping, so an IN or OUT bumps that range's count with no lookup of its own.
    // Two levels of 256 ports: a machine maps a few dozen ports, so a flat 64 Ki-entry table (512 KiB) would be
    // most of an idle guest's size; only the 256-port pages that hold a mapped port exist.
    const int PageShift = 8, PagePorts = 1 << PageShift;
    readonly Mapping?[]?[] _owner = new Mapping?[]?[0x10000 >> PageShift];

    Mapping? Owner(int port) => _owner[port >> PageShift]?[port & (PagePorts - 1)];

    ref Mapping? Slot(int port) => ref (_owner[port >> PageShift] ??= new Mapping?[PagePorts])[port & (PagePorts - 1)];

    public void Map(ushort first, int count, IPortDevice device)
    {
        for (int k = 0; k < count; k++)
            if (Owner(first + k) != null) throw new InvalidOperationException($"Port 0x{first + k:X} is already mapped.");
        var m = new Mapping(device);
        for (int k = 0; k < count; k++) Slot(first + k) = m;
    }

    /// <summary>Frees [first, first + count) (a device removed).</summary>
    public void Unmap(ushort first, int count)
    {
        for (int k = 0; k < count; k++)
            if (_owner[(first + k) >> PageShift] is { } page) page[(first + k) & (PagePorts - 1)] = null;
    }

    /// <summary>Port reads and writes so far (each IN or OUT, whatever its size).</summary>
    public long Accesses { get; private set; }

    /// <summary>Accesses that reached <paramref name="device"/> through the ports it owns now; with null, those that reached
    /// no device (a floating port).</summary>
    public long AccessesTo(IPortDevice? device)
    {
        if (device is null) return _unowned;
        return _owner.Where(p => p is not null).SelectMany(p => p!).Where(m => m is not null && ReferenceEquals(m.Device, device))
            .Distinct().Sum(m => m!.Accesses);
    }
    long _unowned;

    public ulong In(ushort port, int size)
    {
        Accesses++;
        if (Owner(port) is not { } m) { _unowned++; return size == 4 ? 0xFFFF_FFFFUL : size == 2 ? 0xFFFFUL : 0xFFUL; }
        m.Accesses++;
        return m.Device.In(port, size);
    }

    public void Out(ushort port, int size, ulong value)
    {
        Accesses++;
        if (Owner(port) is not { } m) { _unowned++; return; }
        m.Accesses++;
        m.Device.Out(port, size, value);
    }
}
