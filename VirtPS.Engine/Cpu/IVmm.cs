namespace VirtPS.Engine.Cpu;

/// <summary>
/// The processor's view of the virtual-machine monitor its guest runs under: entered exactly where a real monitor
/// gains control (a sensitive instruction, an event on its way to the guest's IDT). The styles in
/// <c>VirtPS.Engine.Styles</c> implement it; the processor never asks which one it is.
/// </summary>
internal interface IVmm
{
    /// <summary>Called for each decoded instruction: routes the sensitive ones through the monitor.</summary>
    void Prepare(Insn i);

    /// <summary>Runs a sensitive instruction the way this style does.</summary>
    void Intercept(Processor p, Insn i);

    /// <summary>An exception or interrupt is about to go through the guest's IDT.</summary>
    void OnDelivery(ExceptionVector vector, DeliveryKind kind, ulong rip);

    /// <summary>A device raised <paramref name="irq"/>: injected by the monitor, or posted by hardware for an assigned device.</summary>
    void OnDeviceInterrupt(int irq, bool posted);

    /// <summary>For a monitor that set <see cref="Processor.VmmDelivers"/>: delivers the event to the guest kernel itself.</summary>
    void Bounce(ExceptionVector vector, ulong? errorCode, ulong returnRip, bool software);
}
