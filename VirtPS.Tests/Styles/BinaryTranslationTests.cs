using VirtPS.Engine.Trace;
using Iced.Intel;
using VirtPS.Engine.Costs;
using VirtPS.Engine.Cpu;
using VirtPS.Engine.Guests;
using VirtPS.Engine.Memory;
using VirtPS.Engine.Styles;
using Xunit;
using static Iced.Intel.AssemblerRegisters;

namespace VirtPS.Tests.Styles;

public class BinaryTranslationTests
{
    static Guest Bare(VirtualizationStyle style, Action<Assembler> code, long budget = 1_000_000)
    {
        var g = Guest.Create("b", style, 16, VirtPS.Tests.Cpu.GuestCode.Assemble(Guest.DefaultLoadAddress, code));
        g.Machine.Run(budget);
        Assert.True(g.Machine.Halted, $"{style}: {g.LastException}");
        return g;
    }

    static BinaryTranslation Bt(Guest g) => (BinaryTranslation)g.Vmm;

    /// <summary>Frames that differ between two guests' physical memory (an untouched frame reads as zeros).</summary>
    static List<ulong> DifferentFrames(Guest a, Guest b)
    {
        var diff = new List<ulong>();
        var ma = a.Machine.Memory; var mb = b.Machine.Memory;
        for (ulong pfn = 0; pfn < ma.Size >> 12; pfn++)
        {
            if (!ma.IsResident(pfn) && !mb.IsResident(pfn)) continue;
            if (!ma.Read(pfn << 12, 4096).AsSpan().SequenceEqual(mb.Read(pfn << 12, 4096))) diff.Add(pfn);
        }
        return diff;
    }

    public static TheoryData<string, VirtualizationStyle, MemoryVirtualization?> ShadowCases()
    {
        var d = new TheoryData<string, VirtualizationStyle, MemoryVirtualization?>();
        foreach (var w in Workload.All.Where(w => !w.UsesKeyboard))   // keys waits for input: InputTests
        {
            d.Add(w.Name, VirtualizationStyle.BinaryTranslation, null);
            d.Add(w.Name, VirtualizationStyle.HardwareAssisted, MemoryVirtualization.Shadow);
            d.Add(w.Name, VirtualizationStyle.HardwareAssisted, MemoryVirtualization.Nested);
        }
        return d;
    }

    /// <summary>Shadow paging (with its prefetch on PTE writes, flood detection, and BT's adaptive callouts) leaves
    /// the guest exactly as the bare machine does: every byte of memory, the console, the instruction count.
    /// So does nested paging (the guest's accessed and dirty bits set as the bare machine sets them).
    /// (TrapAndEmulate keeps shadow paging too, but its kernel diverges by design: see KernelFidelityTests.)</summary>
    [Theory]
    [MemberData(nameof(ShadowCases))]
    public void GuestMemoryEqualsNative(string workload, VirtualizationStyle style, MemoryVirtualization? paging)
    {
        long n = Math.Max(1, Workload.Find(workload)!.DefaultIterations / 10);
        var native = StyleTests.Run(workload, VirtualizationStyle.Native, n);
        var other = StyleTests.Run(workload, style, n, paging: paging);
        Assert.Equal(native.Machine.Console.Output, other.Machine.Console.Output);
        Assert.Equal(native.Machine.Cpu.Retired, other.Machine.Cpu.Retired);
        Assert.Empty(DifferentFrames(native, other));
    }

    /// <summary>Kernel code runs from translations, compiled ones among them; user code is never translated. The
    /// truth is a Native run stepped one instruction at a time, noting the CPL each instruction ran at.</summary>
    [Fact]
    public void KernelRunsFromCompiledTranslationsAndUserCodeDirectly()
    {
        const int iterations = 200;
        var native = Guest.CreateWorkload("n", "syscall", iterations, null, style: VirtualizationStyle.Native);
        long kernel = 0, user = 0;
        var userRips = new HashSet<ulong>();
        var m = native.Machine;
        while (!m.Halted && m.LastException == null)
        {
            int cpl = m.Cpu.Cpl; ulong rip = m.Cpu.Rip;
            if (m.Run(1).Retired == 0) continue;
            if (cpl == 0) kernel++; else { user++; userRips.Add(rip); }
        }
        var g = StyleTests.Run("syscall", VirtualizationStyle.BinaryTranslation, iterations);
        Assert.Equal(native.Machine.Console.Output, g.Machine.Console.Output);
        Assert.Equal(kernel + user, g.Machine.Cpu.Retired);

        var t = Bt(g).Translator;
        var l = g.Vmm.Ledger();
        Assert.True(t.BlocksCompiled > 0);
        Assert.Contains(g.Machine.TranslatedBlocks, b => b.Compiled);
        Assert.DoesNotContain(g.Machine.TranslatedBlocks, b => userRips.Contains(b.Address));
        // Every kernel instruction ran translated: kept, or replaced by a callout; every user instruction directly.
        long calloutInstructions = kernel - l[CostEvent.TranslatedInstruction];
        Assert.InRange(calloutInstructions, 1, l[CostEvent.Callout]);
        Assert.Equal(g.Machine.Cpu.Retired, l[CostEvent.TranslatedInstruction] + l[CostEvent.Instruction]);
        Assert.Equal(user + calloutInstructions, l[CostEvent.Instruction]);
        Assert.Equal(0, t.Failures);
    }

    /// <summary>Robin &amp; Irvine's instructions in guest kernel code: BT's callouts give the CPL-0 results Native
    /// gives, and record no violation, where TrapAndEmulate records them.</summary>
    [Fact]
    public void SensitiveUnprivilegedInstructionsKeepCpl0Fidelity()
    {
        void Code(Assembler a)
        {
            a.cli();
            a.pushfq();
            a.pop(rbx);
            a.mov(ax, cs);
            a.mov(dx, ss);
            a.push(0x202);
            a.popfq();
            a.pushfq();
            a.pop(rdi);
            a.smsw(cx);
            a.hlt();
        }
        var native = Bare(VirtualizationStyle.Native, Code);
        var bt = Bare(VirtualizationStyle.BinaryTranslation, Code);
        var te = Bare(VirtualizationStyle.TrapAndEmulate, Code);
        foreach (var r in new[] { Gpr.Rax, Gpr.Rbx, Gpr.Rcx, Gpr.Rdx, Gpr.Rdi })
            Assert.Equal(native.Machine.Cpu.GetGpr(r), bt.Machine.Cpu.GetGpr(r));
        Assert.Equal(native.Machine.Cpu.Rflags, bt.Machine.Cpu.Rflags);
        Assert.Empty(bt.Vmm.Violations);
        Assert.NotEmpty(te.Vmm.Violations);
        var form = bt.Machine.TranslatedBlocks.SelectMany(b => b.TranslatedForm).ToList();
        foreach (var name in new[] { "cli", "pushfq", "popfq", "mov from cs", "mov from ss", "smsw", "hlt" })
            Assert.Contains(form, f => f.StartsWith($"callout {name}("));
    }

    /// <summary>The ledger's identities on kernel-mode code whose branches are known: per iteration one direct
    /// CALL, one indirect CALL, one indirect JMP, two RETs, one IN and one OUT. Native's counters are the truth.</summary>
    [Fact]
    public void LedgerCountsLookupsCalloutsAndTranslatedInstructions()
    {
        const int n = 300;
        void Code(Assembler a)
        {
            var loop = a.CreateLabel(); var f = a.CreateLabel(); var back = a.CreateLabel();
            a.mov(ecx, n);
            a.Label(ref loop);
            a.call(f);
            a.lea(rax, __[f]);
            a.call(rax);
            a.lea(rbx, __[back]);
            a.jmp(rbx);
            a.Label(ref back);
            a.@in(al, 0x80);
            a.@out(0x80, al);
            a.dec(ecx);
            a.jnz(loop);
            a.hlt();
            a.Label(ref f);
            a.ret();
        }
        var native = Bare(VirtualizationStyle.Native, Code);
        var g = Bare(VirtualizationStyle.BinaryTranslation, Code);
        var nl = native.Vmm.Ledger();
        var l = g.Vmm.Ledger();
        Assert.Equal(2 * n, native.Machine.Cpu.NearCalls);
        Assert.Equal(2 * n, native.Machine.Cpu.NearReturns);
        // Every RET and indirect branch is a lookup; no translated CALL or RET is priced as the hardware's.
        Assert.Equal(native.Machine.Cpu.NearReturns + n + n, l[CostEvent.IndirectBranchLookup]);
        Assert.Equal(0, l[CostEvent.NearCall]);
        Assert.Equal(0, l[CostEvent.NearReturn]);
        Assert.Equal(native.Machine.Cpu.Retired, l[CostEvent.TranslatedInstruction] + l[CostEvent.Instruction]);
        // IN, OUT and HLT are the only callouts: the rest was kept.
        Assert.Equal(2 * n + 1, l[CostEvent.Callout]);
        Assert.Equal(native.Machine.Cpu.Retired - (2 * n + 1), l[CostEvent.TranslatedInstruction]);
        Assert.Equal(nl[CostEvent.PortAccess], l[CostEvent.DeviceEmulation]);
        Assert.Equal(0, l[CostEvent.PortAccess]);
        Assert.True(l[CostEvent.TranslateInstruction] > 0);
        var form = g.Machine.TranslatedBlocks.SelectMany(b => b.TranslatedForm).ToList();
        Assert.Contains("callout in(in al, 0x80)", form);
        Assert.Contains("callout out(out 0x80, al)", form);
    }

    /// <summary>Kernel callouts for the system instructions of a real kernel, named after them; SYSRET and IRETQ to
    /// user mode count the real return; CR3 loads count; nothing diverges.</summary>
    [Fact]
    public void KernelCalloutsAreNamedAndPriced()
    {
        var native = StyleTests.Run("ctxswitch", VirtualizationStyle.Native, 100);
        var g = StyleTests.Run("ctxswitch", VirtualizationStyle.BinaryTranslation, 100);
        var nl = native.Vmm.Ledger();
        var l = g.Vmm.Ledger();
        var callouts = g.Machine.TranslatedBlocks.SelectMany(b => b.TranslatedForm).Where(f => f.StartsWith("callout ")).ToList();
        Assert.Contains(callouts, f => f.StartsWith("callout mov cr3(mov cr3,"));
        Assert.Contains(callouts, f => f.StartsWith("callout sysretq("));
        Assert.Contains(callouts, f => f.StartsWith("callout out("));
        // A callout's name is its instruction's mnemonic (with the control register for MOV to CR; NASM writes
        // SYSRETQ as "o64 sysret").
        foreach (var f in callouts)
        {
            string name = f["callout ".Length..f.IndexOf('(')], guest = f[(f.IndexOf('(') + 1)..^1].Replace("o64 ", "");
            Assert.True(guest.StartsWith(name.TrimEnd('q')) || (name.StartsWith("mov ") && guest.StartsWith("mov ")), f);
        }
        Assert.Equal(nl[CostEvent.Sysret], l[CostEvent.Sysret]);
        Assert.Equal(nl[CostEvent.Cr3Load], l[CostEvent.Cr3Load]);
        // Every SYSCALL and every IDT delivery is reflected to the guest by the VMM.
        var ev = native.Machine.Cpu.Events;
        long deliveries = ev.Interrupts + ev.SoftwareInterrupts + Enumerable.Range(0, 32).Sum(v => ev.Exceptions((ExceptionVector)v));
        Assert.Equal(ev.Syscalls + deliveries, l[CostEvent.InterruptInjection]);
        Assert.Empty(g.Vmm.Violations);
    }

    /// <summary>Kernel self-modifying code: a compiled translation of the patched code goes, and the new bytes run,
    /// giving what Native gives.</summary>
    [Fact]
    public void KernelSelfModifyingCodeInvalidatesTranslations()
    {
        void Code(Assembler a)
        {
            var loop = a.CreateLabel(); var f = a.CreateLabel();
            a.mov(ecx, 100);
            a.xor(ebx, ebx);
            a.Label(ref loop);
            a.call(f);
            a.add(rbx, rax);
            a.dec(ecx);
            a.jnz(loop);
            a.lea(rdi, __[f]);
            a.mov(__byte_ptr[rdi + 1], 7);   // mov eax, imm32: the immediate's low byte
            a.call(f);
            a.add(rbx, rax);
            a.hlt();
            a.Label(ref f);
            a.mov(eax, 1);
            a.ret();
        }
        var native = Bare(VirtualizationStyle.Native, Code);
        var g = Bare(VirtualizationStyle.BinaryTranslation, Code);
        Assert.Equal(native.Machine.Cpu.GetGpr(Gpr.Rbx), g.Machine.Cpu.GetGpr(Gpr.Rbx));
        Assert.Equal(100UL + 7, g.Machine.Cpu.GetGpr(Gpr.Rbx));
        var t = Bt(g).Translator;
        Assert.True(t.Invalidations > 0);
        Assert.True(t.BlocksCompiled > 0);
        Assert.Contains(g.Machine.TranslatedBlocks, b => b.GuestInstructions.Contains("mov eax, 0x7"));
        Assert.DoesNotContain(g.Machine.TranslatedBlocks, b => b.GuestInstructions.Contains("mov eax, 0x1"));
    }

    /// <summary>Adaptive binary translation: a kernel instruction that writes guest page tables takes tracing
    /// faults only up to the threshold; then its block is retranslated with a "pte write" callout, the writes cost
    /// callouts (no trap, no emulated instruction), and the guest ends exactly as on Native.</summary>
    [Fact]
    public void AdaptiveTranslationTurnsPageTableWritersIntoCallouts()
    {
        // The kernel's loop makes eight PTE writes a turn: counts that are multiples of 8 run the same instructions.
        var native = StyleTests.Run("ptemod", VirtualizationStyle.Native, 400);
        var g = StyleTests.Run("ptemod", VirtualizationStyle.BinaryTranslation, 400);
        var bt = Bt(g);
        var sh = ((ShadowMmu)bt.Mmu).Tables;
        Assert.Equal(native.Machine.Console.Output, g.Machine.Console.Output);
        Assert.Empty(DifferentFrames(native, g));
        Assert.NotEmpty(bt.AdaptedInstructions);
        foreach (ulong ip in bt.AdaptedInstructions) Assert.Equal(BinaryTranslation.AdaptiveThreshold, bt.TracingFaultsByInstruction[ip]);
        Assert.True(sh.VmmWrites > 0);
        long tracing = g.Vmm.Events[GuestEvent.TracingPageFault];
        Assert.Equal(tracing, g.Vmm.Ledger()[CostEvent.EmulateInstruction]);
        Assert.Contains(g.Machine.TranslatedBlocks, b => b.TranslatedForm.Any(f => f.StartsWith($"callout {BinaryTranslation.PteWriteCallout}(")));

        // Ten times the iterations: no more tracing faults than before.
        var longer = StyleTests.Run("ptemod", VirtualizationStyle.BinaryTranslation, 4000);
        Assert.Equal(tracing, longer.Vmm.Events[GuestEvent.TracingPageFault]);
        Assert.Equal(4000 - 400, ((ShadowMmu)longer.Vmm.Mmu).Tables.VmmWrites - sh.VmmWrites);   // one PTE write per iteration
    }
}

/// <summary>The shadow page tables' handling of guest PTE writes, against the SDM's walk of the guest's own tables.</summary>
public class ShadowPteWriteTests
{
    const ulong P = PageWalker.Present, W = PageWalker.Writable, A = PageWalker.Accessed, D = PageWalker.Dirty;
    const ulong Pt = 0x300000, Va = 0x800000;   // a page table of our own for the 2 MiB at 8 MiB

    static void Put(PhysicalMemory m, ulong at, ulong v) => m.Write(at, BitConverter.GetBytes(v));
    static ulong Get(PhysicalMemory m, ulong at) => BitConverter.ToUInt64(m.Read(at, 8));

    static (PhysicalMemory, ShadowPageTables, PagingMode) Setup()
    {
        var m = new PhysicalMemory(16 << 20);
        ulong cr3 = BootPageTables.Build(m);
        Put(m, BootPageTables.Pml4, Get(m, BootPageTables.Pml4) | A);
        Put(m, BootPageTables.Pdpt, Get(m, BootPageTables.Pdpt) | A);
        Put(m, BootPageTables.FirstPd + 1 * 8, Get(m, BootPageTables.FirstPd + 8) | A | D);   // 2-4 MiB, where Pt is
        Put(m, BootPageTables.FirstPd + 4 * 8, Pt | P | W | A);
        Put(m, Pt, 0x500000 | P | W | A | D);
        var sh = new ShadowPageTables(m);
        var faults = new Dictionary<ShadowFaultKind, long>();
        sh.Fault = (k, _) => faults[k] = faults.GetValueOrDefault(k) + 1;
        Faults.Add(sh, faults);
        return (m, sh, new PagingMode(cr3, true, false, true, false));
    }

    /// <summary>The faults each shadow reported (it keeps no count of its own: a VMM records them in its ledger).</summary>
    static readonly System.Runtime.CompilerServices.ConditionalWeakTable<ShadowPageTables, Dictionary<ShadowFaultKind, long>> Faults = new();
    static long Hidden(ShadowPageTables sh) => Faults.TryGetValue(sh, out var f) ? f.GetValueOrDefault(ShadowFaultKind.Hidden) : 0;
    static long Tracing(ShadowPageTables sh) => Faults.TryGetValue(sh, out var f) ? f.GetValueOrDefault(ShadowFaultKind.Tracing) : 0;

    static void GuestWrite(PhysicalMemory m, ShadowPageTables sh, in PagingMode mode, ulong la, ulong v)
    {
        Assert.NotNull(sh.Translate(mode.Cr3, la, AccessKind.Write, mode, out _, out _));
        Put(m, la, v);   // identity-mapped
        sh.WriteLanded();
    }

    [Fact]
    public void WrittenPteIsPrefetchedSoTheNextTouchTakesNoHiddenFault()
    {
        var (m, sh, mode) = Setup();
        Assert.Equal(0x500000UL, sh.Translate(mode.Cr3, Va, AccessKind.Read, mode, out _, out _));
        long hidden = Hidden(sh);
        GuestWrite(m, sh, mode, Pt, 0x600000 | P | W | A | D);
        Assert.Equal(1, Tracing(sh));
        var truth = PageWalker.Walk(m, Va, AccessKind.Read, mode, out _)!.Value.Physical;
        Assert.Equal(0x600000UL, truth);
        Assert.Equal(truth, sh.Translate(mode.Cr3, Va, AccessKind.Read, mode, out _, out _));
        Assert.Equal(hidden, Hidden(sh));
        Assert.Equal(1, sh.Prefetches);
    }

    [Fact]
    public void PteWithoutAccessedBitIsLeftToAHiddenFaultThatSetsIt()
    {
        var (m, sh, mode) = Setup();
        sh.Translate(mode.Cr3, Va, AccessKind.Read, mode, out _, out _);
        long hidden = Hidden(sh);
        GuestWrite(m, sh, mode, Pt, 0x600000 | P | W);
        Assert.Equal(0x600000UL, sh.Translate(mode.Cr3, Va, AccessKind.Read, mode, out _, out _));
        Assert.Equal(hidden + 1, Hidden(sh));
        Assert.Equal(A, Get(m, Pt) & (A | D));   // set by the walk, as the hardware sets it (SDM Vol. 3A, 4.8)
    }

    [Fact]
    public void FloodingSparesTablesOfTheRunningAddressSpace()
    {
        var (m, sh, mode) = Setup();
        sh.Translate(mode.Cr3, Va, AccessKind.Read, mode, out _, out _);
        for (int k = 0; k < 2 * ShadowPageTables.FloodWrites; k++) GuestWrite(m, sh, mode, Pt + 8, (ulong)k << 12);
        Assert.Equal(0, sh.Unprotected);
        Assert.Equal(2 * ShadowPageTables.FloodWrites, Tracing(sh));

        // Another address space that does not map Va through Pt: there, Pt written on and on is data.
        (m, sh, mode) = Setup();
        sh.Translate(mode.Cr3, Va, AccessKind.Read, mode, out _, out _);
        ulong pml4 = 0x310000, pdpt = 0x311000, pd = 0x312000;
        Put(m, pml4, pdpt | P | W | A);
        Put(m, pdpt, pd | P | W | A);
        for (ulong k = 0; k < 8; k++) Put(m, pd + k * 8, (k << 21) | P | W | A | D | PageWalker.PageSizeBit);
        var other = mode with { Cr3 = pml4 };
        long before = Tracing(sh);
        for (int k = 0; k < ShadowPageTables.FloodWrites; k++) GuestWrite(m, sh, other, Pt + 16, (ulong)k << 12);
        Assert.Equal(1, sh.Unprotected);
        Assert.Equal(ShadowPageTables.FloodWrites, Tracing(sh) - before);
    }
}
