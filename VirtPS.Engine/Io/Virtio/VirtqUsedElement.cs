namespace VirtPS.Engine.Io.Virtio;

/// <summary>One element of a used ring, <c>struct virtq_used_elem</c> (virtio 1.2 §2.7.8): the head of the chain the device
/// used and the bytes it wrote into it.</summary>
public readonly record struct VirtqUsedElement(uint Id, uint Length);
