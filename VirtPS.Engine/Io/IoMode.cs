namespace VirtPS.Engine.Io;

/// <summary>How a guest device is virtualized (the source article's IO chapter).</summary>
public enum IoMode
{
    /// <summary>Full virtualization of a legacy part: a register-level model, every register access a VM exit (or trap,
    /// or callout, by the guest's CPU style) into the VMM's device model.</summary>
    Emulated,
    /// <summary>Split drivers: a virtio frontend in the guest kernel, a backend in the VMM, requests in shared queues.</summary>
    Paravirtual,
    /// <summary>IO-through: a device assigned to the guest, its registers reached with no exits and its DMA remapped by
    /// the IOMMU.</summary>
    Passthrough,
}
