namespace VirtPS.Engine.Memory;

/// <summary>A VMM backend's access to its own guest's memory: device addresses are guest-physical addresses, and an
/// access outside guest memory is refused (it would be outside the guest).</summary>
public sealed class GuestMemoryDma(PhysicalMemory memory) : IDma
{
    public bool Read(ulong address, Span<byte> into)
    {
        if (!memory.Contains(address, (ulong)into.Length)) return false;
        memory.Read(address, into);
        return true;
    }

    public bool Write(ulong address, ReadOnlySpan<byte> data)
    {
        if (!memory.Contains(address, (ulong)data.Length)) return false;
        memory.Write(address, data);
        return true;
    }
}
