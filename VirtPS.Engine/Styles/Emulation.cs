using VirtPS.Engine.Costs;
using VirtPS.Engine.Cpu;
using VirtPS.Engine.Memory;

namespace VirtPS.Engine.Styles;

/// <summary>
/// Full emulation, as Bochs does it: every guest instruction, user and kernel, is fetched through a software
/// MMU, decoded and interpreted, one at a time; nothing runs on the host CPU directly and nothing decoded is
/// kept. Sensitive instructions need no special care (the emulator implements them like any other), so the
/// guest sees exactly what hardware would show it; the price is one interpreted instruction for every
/// guest instruction and one software-MMU lookup for every memory access.
/// </summary>
public sealed class Emulation : Vmm
{
    public Emulation(Machine machine) : base(machine, m => new SoftwareMmu(m.Memory)) => machine.DecodeEveryInstruction();

    public override VirtualizationStyle Style => VirtualizationStyle.Emulation;

    internal override void Intercept(Processor p, Insn i) => Execute(p, i);

    /// <summary>Exceptions and interrupts, a device's included (<see cref="DeliveryKind.Device"/>), are delivered by the
    /// emulator's own code: part of the interpreted work, so no hardware delivery is priced.</summary>
    internal override void OnDelivery(ExceptionVector vector, DeliveryKind kind, ulong rip) { }

    public override EventCounts Ledger()
    {
        var l = Events.Costs.Snapshot();
        l.Add(CostEvent.InterpretedInstruction, Cpu.Retired);
        l.Add(CostEvent.SoftMmuLookup, Mmu.SoftTlb!.Lookups);
        return l;
    }
}
