using VirtPS.Engine.Memory;
using System.Buffers.Binary;
using VirtPS.Engine;
using VirtPS.Engine.Costs;
using VirtPS.Engine.Cpu;
using VirtPS.Engine.Guests;
using VirtPS.Engine.Styles;
using Xunit;

namespace VirtPS.Tests.Styles;

/// <summary>The Xen way: the kernel's PARAVIRT build, its hypercalls, and the hypervisor's validation.</summary>
public class ParavirtualTests
{
    static Guest Run(string workload, VirtualizationStyle style, long iterations, int? processes = null, long timer = VirtPS.Engine.Guests.Kernel.DefaultTimerPeriod)
    {
        var g = Guest.CreateWorkload("p", workload, iterations, processes, timerPeriod: timer, style: style);
        var r = g.Step(200_000_000);
        Assert.True(r.StopReason == StopReason.Halt, $"{style} {workload}: {r.StopReason} {g.LastException}\n{g.Machine.Console.Output}");
        return g;
    }

    public static TheoryData<string, int> Workloads()
    {
        var d = new TheoryData<string, int>();
        foreach (var w in Workload.All.Where(w => !w.UsesKeyboard)) { d.Add(w.Name, w.DefaultProcesses); d.Add(w.Name, 3); }   // keys waits for input: InputTests
        return d;
    }

    /// <summary>With the timer off too the console is byte-identical, and no privileged instruction traps.</summary>
    [Theory]
    [MemberData(nameof(Workloads))]
    public void WithoutTheTimerTheConsoleIsByteIdentical(string workload, int processes)
    {
        long n = Math.Max(2, Workload.Find(workload)!.DefaultIterations / 20) & ~1L;
        var native = Run(workload, VirtualizationStyle.Native, n, processes, timer: 0);
        var pv = Run(workload, VirtualizationStyle.Paravirtual, n, processes, timer: 0);
        Assert.Equal(native.Machine.Console.Output, pv.Machine.Console.Output);
        Assert.Empty(pv.Vmm.Violations);
        var v = (Paravirtual)pv.Vmm;
        Assert.Equal(0, v.RefusedUpdates);
        Assert.Equal(0, v.ShutdownReason);
        // No privileged instruction on the kernel's own paths but one: the device probe at boot reads PCI configuration
        // space (0xCF8/0xCFC) with IN and OUT, which trap (a Xen PV kernel would ask xenstore instead; this one finds its
        // virtio devices as every other build does). Only the workloads that exist to run one trap beyond that.
        var probe = ((Paravirtual)Run("compute", VirtualizationStyle.Paravirtual, 2, 1, timer: 0).Vmm).PrivilegedTraps;
        Assert.Equal(["in", "out"], probe.Keys.Order());
        var expected = workload switch { "in" => "in", "cr8wr" => "mov", _ => null };
        var traps = v.PrivilegedTraps.ToDictionary();
        foreach (var (m, k) in probe) { Assert.True(traps.TryGetValue(m, out long c) && c >= k); traps[m] = c - k; if (traps[m] == 0) traps.Remove(m); }
        Assert.Equal(expected is null ? [] : [expected], traps.Keys);
    }

    /// <summary>The timer on, with the workload's defaults and with 3 processes: the tick is a counter overflow
    /// after TIMER_PERIOD user instructions, which both builds execute alike, so the console (tick and switch
    /// counts included) is byte-identical. The PV kernel gets its ticks from Xen's virtual PMU: it programs the
    /// counter by WRMSR, which traps (two at boot, one re-arm per tick); xenpmu_op inits the shared page, sets the
    /// LVT entry, and flushes (unmasks) after each tick; each overflow comes as a VIRQ_XENPMU event.</summary>
    [Theory]
    [MemberData(nameof(Workloads))]
    public void WithTheTimerTheConsoleIsByteIdentical(string workload, int processes)
    {
        var native = Run(workload, VirtualizationStyle.Native, Workload.Find(workload)!.DefaultIterations, processes);
        var g = Run(workload, VirtualizationStyle.Paravirtual, Workload.Find(workload)!.DefaultIterations, processes);
        Assert.Equal(native.Machine.Console.Output, g.Machine.Console.Output);
        var pv = (Paravirtual)g.Vmm;
        long ticks = g.KernelSummary!.Ticks;
        Assert.Equal(ticks, pv.PmuEvents);
        Assert.Equal(2 + ticks, pv.Hypercalls["xenpmu_op"]);
        Assert.Equal(2 + ticks, pv.PrivilegedTraps["wrmsr"]);
        Assert.False(pv.Hypercalls.ContainsKey("set_timer_op"));
        Assert.Equal(ticks, g.Machine.Cpu.Events.Interrupts);   // the PV build has no boot self-test
        Assert.Equal(native.KernelSummary!.Ticks + 1, native.Machine.Cpu.Events.Interrupts);
    }

    /// <summary>Several compute-bound processes: the PMU's events preempt them round robin, as the native PMI does.</summary>
    [Fact]
    public void PmuEventsPreemptProcesses()
    {
        var g = Run("compute", VirtualizationStyle.Paravirtual, 200_000, processes: 3, timer: 20_000);
        var s = g.KernelSummary!;
        Assert.True(s.Ticks > 10 && s.TimerSwitches > 5, g.Machine.Console.Output);
        Assert.Equal(Run("compute", VirtualizationStyle.Native, 200_000, 3, 20_000).Machine.Console.Output, g.Machine.Console.Output);
    }

    [Fact]
    public void HypercallsAreCountedByNameAndPageTableUpdatesBatched()
    {
        var two = (Paravirtual)Run("ptemod", VirtualizationStyle.Paravirtual, 2).Vmm;
        var pte = (Paravirtual)Run("ptemod", VirtualizationStyle.Paravirtual, 1002).Vmm;
        Assert.Equal(1000, pte.MmuUpdateEntries - two.MmuUpdateEntries);   // every flip a validated entry
        Assert.Equal(64, pte.LargestMmuUpdateBatch);
        Assert.Equal(1002 / 64 + 1, pte.Hypercalls["mmu_update"] - two.Hypercalls["mmu_update"] + 1);
        Assert.Equal(pte.TotalHypercalls, pte.Ledger()[CostEvent.Hypercall]);
        Assert.Equal(pte.MmuUpdateEntries + pte.Hypercalls["mmuext_op"], pte.Ledger()[CostEvent.HypercallBatchEntry]);

        var fork = (Paravirtual)Run("forkwait", VirtualizationStyle.Paravirtual, 20, timer: 0).Vmm;
        Assert.True(fork.LargestMmuUpdateBatch >= 6, $"largest batch {fork.LargestMmuUpdateBatch}");
        Assert.True(fork.MmuUpdateEntries > 2 * fork.Hypercalls["mmu_update"]);
        // A return per system call but the 21 exits (40), and one into each process's first run (21).
        Assert.Equal(40 + 21, fork.Hypercalls["iret"]);
        Assert.True(fork.Hypercalls["mmuext_op"] >= 20 * 3);       // pin, unpin, base pointer per child
        Assert.Equal(1, fork.Hypercalls["sched_op"]);              // the shutdown
    }

    /// <summary>Xen's rules: an entry naming a frame outside the domain, a page table mapped writable and an
    /// update of a frame that is not a page table are refused with -EINVAL; nothing changes, and the guest
    /// runs on as if they had never been asked for.</summary>
    [Fact]
    public void ValidationRefusesBadUpdatesAndLeavesTheMachineUnharmed()
    {
        var native = Run("syscall", VirtualizationStyle.Native, 100, timer: 0);
        var g = Guest.CreateWorkload("p", "syscall", 100, timerPeriod: 0, style: VirtualizationStyle.Paravirtual);
        g.Step(null, until: VirtPS.Engine.Trace.TraceKind.Syscall);   // the first process is running
        var pv = (Paravirtual)g.Vmm;
        var mem = g.Machine.Memory;
        ulong Entry(ulong table, ulong va, int shift) => table + ((va >> shift) & 511) * 8;
        ulong Next(ulong at) => BinaryPrimitives.ReadUInt64LittleEndian(mem.Read(at, 8)) & 0x000F_FFFF_FFFF_F000;
        ulong va = VirtPS.Engine.Guests.Kernel.UserCodeAddress;
        ulong pdpt = Next(Entry(g.Machine.Cpu.Cr3 & ~0xFFFUL, va, 39)), pd = Next(Entry(pdpt, va, 30)), pt = Next(Entry(pd, va, 21));
        ulong spare = Entry(pt, va + 300 * 4096UL, 12);           // an unused slot of the live page table
        ulong data = Next(Entry(pt, VirtPS.Engine.Guests.Kernel.UserDataAddress, 12));  // an ordinary data frame
        byte[] before = mem.Read(pt, 4096);

        Assert.Equal(DirectPagingMmu.EINVAL, ((DirectPagingMmu)pv.Mmu).Update(spare, pt | 7));                      // a page table, writable
        Assert.Equal(DirectPagingMmu.EINVAL, ((DirectPagingMmu)pv.Mmu).Update(spare, mem.Size | 7));                // not the domain's frame
        Assert.Equal(DirectPagingMmu.EINVAL, ((DirectPagingMmu)pv.Mmu).Update(data + 8, data | 7));                 // not a page table
        Assert.Equal(DirectPagingMmu.EINVAL, ((DirectPagingMmu)pv.Mmu).Update(Entry(pd, va + (1UL << 21), 21), data | 7));   // a mapped-writable frame as a table
        Assert.Equal(4, pv.RefusedUpdates);
        Assert.Equal(before, mem.Read(pt, 4096));
        Assert.Equal(0, ((DirectPagingMmu)pv.Mmu).Update(spare, pt | 5));   // read-only is allowed: Xen lets guests read their tables
        Assert.Equal(0, ((DirectPagingMmu)pv.Mmu).Update(spare, 0));

        var r = g.Step(200_000_000);
        Assert.Equal(StopReason.Halt, r.StopReason);
        Assert.Equal(native.Machine.Console.Output, g.Machine.Console.Output);
    }

    /// <summary>A bare program has no hypercalls to make: refused up front, with its own error id.</summary>
    [Fact]
    public void BareProgramsAreRefused()
    {
        var e = Assert.Throws<VirtPSException>(() => Guest.Create("b", VirtualizationStyle.Paravirtual, 16, [0xF4]));
        Assert.Equal("StyleNeedsParavirtualKernel", e.ErrorId);
        Assert.Equal(ErrorKind.InvalidOperation, e.Kind);
    }

    /// <summary>Direct paging with batched, validated updates against shadow paging's traps and exits: the
    /// eager address-space copy of forkwait is far cheaper under Paravirtual than HardwareAssisted.</summary>
    [Fact]
    public void ForkwaitCostsLessThanUnderHardwareAssistedShadowPaging()
    {
        var rows = StyleComparison.Run("forkwait", [VirtualizationStyle.HardwareAssisted, VirtualizationStyle.Paravirtual], 20,
            CostModel.Builtin("Pentium4-2006"), paging: [MemoryVirtualization.Shadow]).ToList();
        var ha = rows.Single(r => r.Style == VirtualizationStyle.HardwareAssisted);
        var pv = rows.Single(r => r.Style == VirtualizationStyle.Paravirtual);
        Assert.True(pv.CyclesPerIteration * 2 < ha.CyclesPerIteration, $"PV {pv.CyclesPerIteration} HA {ha.CyclesPerIteration}");
        Assert.True(pv.Hypercalls > 0);
        Assert.Equal(0, pv.FidelityViolations);
    }
}
