using VirtPS.Engine.Asm;
using VirtPS.Engine.Cpu;
using VirtPS.Engine.Guests;
using VirtPS.Engine.Kvm;
using VirtPS.Tests.Asm;
using Xunit;

namespace VirtPS.Tests.Kvm;

/// <summary>Bare programs (no kernel) on KVM beside the simulator.</summary>
public class KvmBareTests
{
    static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    [KvmFact(needsLoopAsm: true)]
    public void LoopAsm_EndsWithTheSimulatorsRaxAndRdx()
    {
        var program = Assembler.Assemble(File.ReadAllText(AsmTestSupport.LoopAsmPath!), new Dictionary<string, long> { ["ITER"] = 10_000 });
        var sim = Guest.Create("sim", VirtualizationStyle.HardwareAssisted, 16, program.Bytes, entryPoint: program.EntryPoint);
        var step = sim.Step(null);
        Assert.Equal(StopReason.Halt, step.StopReason);

        var g = Guest.Create("kvm", VirtualizationStyle.HardwareAssisted, 16, program.Bytes, entryPoint: program.EntryPoint);
        using var vm = KvmVirtualMachine.Create(g);
        var r = vm.Run(Limit);
        Assert.True(r.Stop == RunStop.Halt, $"{r.Stop}: {r.Exception}");
        var (s, k) = (sim.Machine.Cpu, g.Machine.Cpu);
        Assert.Equal(1UL, k.GetGpr(Gpr.Rax));
        foreach (var reg in Enum.GetValues<Gpr>()) Assert.True(s.GetGpr(reg) == k.GetGpr(reg), $"{reg}: simulator 0x{s.GetGpr(reg):X}, KVM 0x{k.GetGpr(reg):X}");
        Assert.Equal(s.Rip, k.Rip);
        Assert.Equal(s.Rflags, k.Rflags);
        Assert.Equal(1, vm.Exits[KvmExitReason.Hlt]);
        // the buffer the loop wrote came back into the machine's memory
        Assert.Equal(sim.Machine.Memory.Read(program.Symbols["buf"], 4096), g.Machine.Memory.Read(program.Symbols["buf"], 4096));
        Assert.True(g.Machine.Halted);
    }
}
