using System.Runtime.InteropServices;

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

    /// <summary>Frees [first, first + count) (a device removed).</summary>
    public void Unmap(ushort first, int count)
    {
        for (int k = 0; k < count; k++) _owner[first + k] = null;
    }

    /// <summary>The device that owns <paramref name="port"/>, if any.</summary>
    public IPortDevice? Owner(ushort port) => _owner[port];

    /// <summary>Port reads and writes so far (each IN or OUT, whatever its size).</summary>
    public long Accesses { get; private set; }

    readonly Dictionary<IPortDevice, long> _byOwner = new(ReferenceEqualityComparer.Instance);

    /// <summary>Accesses that reached <paramref name="device"/>; with null, those that reached no device (a floating port).</summary>
    public long AccessesTo(IPortDevice? device) => device is null ? _unowned : _byOwner.GetValueOrDefault(device);
    long _unowned;

    public ulong In(ushort port, int size)
    {
        Accesses++;
        if (_owner[port] is not { } d) { _unowned++; return size == 4 ? 0xFFFF_FFFFUL : size == 2 ? 0xFFFFUL : 0xFFUL; }
        CollectionsMarshal.GetValueRefOrAddDefault(_byOwner, d, out _)++;
        return d.In(port, size);
    }

    public void Out(ushort port, int size, ulong value)
    {
        Accesses++;
        if (_owner[port] is not { } d) { _unowned++; return; }
        CollectionsMarshal.GetValueRefOrAddDefault(_byOwner, d, out _)++;
        d.Out(port, size, value);
    }
}
