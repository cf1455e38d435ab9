using VirtPS.Engine.Cpu;

namespace VirtPS.Engine.Styles;

/// <summary>The baseline: no monitor at all. Every instruction runs on the bare machine at native cost;
/// this class only counts the bare-machine prices of the sensitive ones and of IDT deliveries. <see cref="Library"/>
/// runs the same way and only watches its translation layer.</summary>
public class Native(Machine machine) : Vmm(machine)
{
    public override VirtualizationStyle Style => VirtualizationStyle.Native;

    internal override void Intercept(Processor p, Insn i)
    {
        Execute(p, i);
        CountHardware(p, i);
    }

    /// <summary>No monitor: a device's interrupt reaches the guest's IDT as on bare hardware.</summary>
    private protected override void OnDeviceInterrupt(int irq, bool posted) { }
}
