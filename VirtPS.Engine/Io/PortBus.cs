namespace VirtPS.Engine.Io;

/// <summary>
/// The IO-port address space: 64 Ki byte-wide ports, each range owned by at most one device. An access to a
/// port no device owns reads as all ones and writes go nowhere, as on a PC's floating bus.
/// </summary>
public sealed class PortBus
{
    readonly IPortDevice?[] _owner = new IPortDevice?[0x10000];

    public void Map(ushort first, int count, IPortDevice device)
    {
        for (int k = 0; k < count; k++)
            if (_owner[first + k] != null) throw new InvalidOperationException($"Port 0x{first + k:X} is already mapped.");
        for (int k = 0; k < count; k++) _owner[first + k] = device;
    }

    /// <summary>Port reads and writes so far (each IN or OUT, whatever its size).</summary>
    public long Accesses { get; private set; }

    public ulong In(ushort port, int size)
    {
        Accesses++;
        return _owner[port] is { } d ? d.In(port, size) : size == 4 ? 0xFFFF_FFFFUL : size == 2 ? 0xFFFFUL : 0xFFUL;
    }

    public void Out(ushort port, int size, ulong value)
    {
        Accesses++;
        _owner[port]?.Out(port, size, value);
    }
}
