namespace VirtPS.Engine.Memory;

/// <summary>
/// The one narrow interface every device's memory access (DMA) goes through, as QEMU's and Bochs' devices reach memory
/// only through their DMA API: a device model never touches guest memory any other way. A backend in the VMM reaches
/// its guest's memory directly (<see cref="GuestMemoryDma"/>); a device assigned to a guest reaches it through the
/// IOMMU, which remaps the addresses the device uses and blocks the rest. A refused access returns false and changes
/// nothing.
/// </summary>
public interface IDma
{
    /// <summary>Reads <paramref name="into"/>.Length bytes at device address <paramref name="address"/>; false if refused.</summary>
    bool Read(ulong address, Span<byte> into);

    /// <summary>Writes <paramref name="data"/> at device address <paramref name="address"/>; false if refused (nothing written).</summary>
    bool Write(ulong address, ReadOnlySpan<byte> data);
}
