using VirtPS.Engine.Io.Pci;
using VirtPS.Engine.Memory;

namespace VirtPS.Engine.Io;

/// <summary>
/// What a device is given when it is plugged into a guest's machine: the buses it decodes, the DMA path its mode gives it
/// (the guest's memory for a VMM backend, the IOMMU for an assigned device), and its interrupt line.
/// </summary>
public sealed class DeviceContext(PortBus ports, PciBus pci, IDma dma, Action<int, bool> raiseIrq, Action<Costs.CostEvent, long>? charge = null)
{
    /// <summary>Charges the CPU work a device model or backend does for the guest (never an assigned device's own work).</summary>
    public void Charge(Costs.CostEvent e, long n) { if (n > 0) charge?.Invoke(e, n); }
    public PortBus Ports => ports;
    public PciBus Pci => pci;
    /// <summary>The device's memory accesses: <see cref="GuestMemoryDma"/> or an <see cref="Memory.Iommu.IommuDma"/>.</summary>
    public IDma Dma => dma;
    /// <summary>Asserts an IRQ; the flag says whether it is posted by hardware (an assigned device) or injected by the VMM.</summary>
    public void RaiseIrq(int irq, bool posted) => raiseIrq(irq, posted);
}
