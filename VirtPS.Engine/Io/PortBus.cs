namespace VirtPS.Engine.Io;

/// <summary>
/// The IO-port address space: 64 Ki byte-wide ports, each range owned by at most one device. An access to a
/// port no device owns reads as all ones and writes go nowhere, as on a PC's floating bus.
/// </summary>
public sealed class PortBus
{
    readonly IPortDevice?[] _owner = new IPortDevice?[0x10000];
    // Accesses per port while a device owns it (an IN or OUT only bumps its port's slot; a device's total is summed on demand).
    readonly long[] _accesses = new long[0x10000];

    public void Map(ushort first, int count, IPortDevice device)
    {
        for (int k = 0; k < count; k++)
            if (_owner[first + k] != null) throw new InvalidOperationException($"Port 0x{first + k:X} is already mapped.");
        for (int k = 0; k < count; k++) { _owner[first + k] = device; _accesses[first + k] = 0; }
    }

    /// <summary>Frees [first, first + count) (a device removed).</summary>
    public void Unmap(ushort first, int count)
    {
        for (int k = 0; k < count; k++) _owner[first + k] = null;
    }

    /// <summary>Port reads and writes so far (each IN or OUT, whatever its size).</summary>
    public long Accesses { get; private set; }

    /// <summary>Accesses that reached <paramref name="device"/> through the ports it owns now; with null, those that reached
    /// no device (a floating port).</summary>
    public long AccessesTo(IPortDevice? device)
    {
        if (device is null) return _unowned;
        long n = 0;
        for (int port = 0; port < _owner.Length; port++)
            if (ReferenceEquals(_owner[port], device)) n += _accesses[port];
        return n;
    }
    long _unowned;

    public ulong In(ushort port, int size)
    {
        Accesses++;
        if (_owner[port] is not { } d) { _unowned++; return size == 4 ? 0xFFFF_FFFFUL : size == 2 ? 0xFFFFUL : 0xFFUL; }
        _accesses[port]++;
        return d.In(port, size);
    }

    public void Out(ushort port, int size, ulong value)
    {
        Accesses++;
        if (_owner[port] is not { } d) { _unowned++; return; }
        _accesses[port]++;
        d.Out(port, size, value);
    }
}
