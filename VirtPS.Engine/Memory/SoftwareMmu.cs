namespace VirtPS.Engine.Memory;

/// <summary>
/// An emulator's software MMU (Bochs; QEMU's softmmu): every guest access is a lookup in the emulator's own TLB
/// (<see cref="Memory.SoftTlb"/>), and a miss walks the guest's tables as the hardware would. The host page caches are
/// not used: nothing runs directly.
/// </summary>
public sealed class SoftwareMmu(PhysicalMemory memory) : NativeMmu(memory)
{
    public override MemoryVirtualization Kind => MemoryVirtualization.Software;
    public override SoftTlb SoftTlb { get; } = new();
}
