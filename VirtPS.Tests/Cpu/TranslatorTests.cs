using System.Security.Cryptography;
using Iced.Intel;
using VirtPS.Engine.Cpu;
using VirtPS.Engine.Guests;
using Xunit;
using static Iced.Intel.AssemblerRegisters;

namespace VirtPS.Tests.Cpu;

/// <summary>
/// The block translator against the interpreter: the same guest run both ways must end in bit-identical
/// state (registers, RFLAGS, RIP, retired count, memory, console, exception), and translated blocks must
/// really have run. Code is built with Iced's assembler.
/// </summary>
public class TranslatorTests
{
    const ulong Load = GuestCode.Load;

    static Machine Boot(Action<Assembler> code, ulong memory = 4UL << 20) => GuestCode.Boot(code, memory);

    /// <summary>A flat GDT (kernel code 0x08, data 0x10) and an IDT at <paramref name="idt"/>, so exceptions are delivered.</summary>
    static void Tables(Machine m, ulong idt)
    {
        const ulong gdt = 0x10000;
        GuestCode.Put(m, gdt + 8, 0x00AF_9A00_0000_FFFF);
        GuestCode.Put(m, gdt + 16, 0x00CF_9200_0000_FFFF);
        m.Cpu.Gdtr = new TableRegister(gdt, 3 * 8 - 1);
        m.Cpu.Idtr = new TableRegister(idt, 256 * 16 - 1);
    }

    /// <summary>Everything the guest (or its observer) can see, as text, so a difference names itself.</summary>
    static string State(Machine m, long retired, RunStop stop)
    {
        var p = m.Cpu;
        var sb = new System.Text.StringBuilder();
        for (int i = 0; i < 16; i++) sb.Append($"{(Gpr)i}={p.GetGpr((Gpr)i):x} ");
        sb.Append($"rflags={p.Rflags:x} rip={p.Rip:x} retired={retired} cpuRetired={p.Retired} stop={stop} tsc={p.Tsc}\n");
        sb.Append($"cs={p.Cs:x} cr2={p.Cr2:x} cr3={p.Cr3:x} walks={p.PageWalks} irqs={m.InterruptsDelivered} halted={m.Halted}\n");
        sb.Append($"events: syscalls={p.Events.Syscalls} cr3={p.Events.Cr3Loads} int={p.Events.Interrupts} soft={p.Events.SoftwareInterrupts} pf={p.Events.PageFaults} de={p.Events.Exceptions(ExceptionVector.DE)}\n");
        var e = m.LastException;
        if (e != null) sb.Append($"exception #{e.Vector} err={e.ErrorCode} rip={e.Rip:x} addr={e.FaultAddress:x} {e.Description}\n");
        using var crc = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        for (ulong pfn = 0; pfn < m.Memory.Size >> 12; pfn++)
            if (m.Memory.IsResident(pfn)) { crc.AppendData(BitConverter.GetBytes(pfn)); crc.AppendData(m.Memory.Frame(pfn)); }
        sb.Append($"memory sha256={Convert.ToHexString(crc.GetCurrentHash())}\n");
        sb.Append("console: ").Append(m.Console.Output);
        return sb.ToString();
    }

    /// <summary>Runs to a stop other than Budget (or until <paramref name="max"/> retire) in slices of <paramref name="slice"/>.</summary>
    static (long Retired, RunStop Stop) RunAll(Machine m, long slice = 1 << 20, long max = 50_000_000)
    {
        long total = 0;
        RunResult r;
        do { r = m.Run(Math.Min(slice, max - total)); total += r.Retired; } while (r.Stop == RunStop.Budget && total < max);
        return (total, r.Stop);
    }

    /// <summary>
    /// Runs <paramref name="make"/>'s machine interpreted and translated, and asserts identical state. Without a
    /// given translator it runs translated twice: every block compiled at its first run, and every block
    /// compiled on its fourth (so both the step-by-step form and the compiled form run). Returns the (first) translator.
    /// </summary>
    static BlockTranslator Differential(Func<Machine> make, long slice = 1 << 20, BlockTranslator? translator = null)
    {
        var mi = make();
        var (ri, si) = RunAll(mi, slice);
        var expected = State(mi, ri, si);
        BlockTranslator[] translators = translator != null ? [translator]
            : [new BlockTranslator { CompileThreshold = 0 }, new BlockTranslator { CompileThreshold = 3 }];
        foreach (var bt in translators)
        {
            var mt = make();
            mt.Translator = bt;
            var (rt, st) = RunAll(mt, slice);
            Assert.Equal(expected, State(mt, rt, st));
            Assert.True(bt.Failures == 0, bt.LastFailure);
            Assert.True(bt.BlocksTranslated > 0, "nothing was translated");
            if (bt.CompileThreshold == 0) Assert.True(bt.BlocksCompiled == bt.BlocksTranslated, "a block was not compiled");
        }
        return translators[0];
    }

    static void BenchLoop(Assembler a, int iterations)
    {
        var l = a.CreateLabel();
        a.mov(edi, 0x200000);
        a.mov(ecx, iterations);
        a.xor(eax, eax);
        a.xor(edx, edx);
        a.Label(ref l);
        a.add(rax, rcx);
        a.mov(rbx, rax);
        a.shr(rbx, 3);
        a.and(ebx, 0xff8);
        a.xor(rax, __[rdi + rbx]);
        a.mov(__[rdi + rbx], rax);
        a.lea(rdx, __[rdx + rax * 2]);
        a.dec(rcx);
        a.jnz(l);
        a.hlt();
    }

    [Fact]
    public void BenchLoopIsIdenticalAndRunsFromTheCache()
    {
        var bt = Differential(() => Boot(a => BenchLoop(a, 100_000)));
        Assert.Equal(3, bt.BlocksTranslated);                  // entry, loop body, hlt
        Assert.Equal(3, bt.BlocksCompiled);
        // The body branches back to itself: it is compiled as a loop that runs its passes inside the compiled code, so
        // the run loop enters it far fewer times than it runs (every pass is still counted).
        Assert.Equal(1, bt.LoopsCompiled);
        Assert.True(bt.CacheHits < 1_000, $"hits {bt.CacheHits}");
        Assert.Equal(5 + 9 * 100_000L, bt.InstructionsExecuted);
        Assert.True(bt.DirectCalls > 0, "no handler was called directly");                 // HLT
        Assert.True(bt.InlinedInstructions >= 13, $"inlined {bt.InlinedInstructions}");   // the body's 9 and the entry's 4

        var m = Boot(a => BenchLoop(a, 1_000_000));
        m.Translator = new BlockTranslator { CompileThreshold = 0 };
        var (retired, stop) = RunAll(m);
        Assert.Equal(RunStop.Halt, stop);
        Assert.Equal(5 + 9 * 1_000_000L, retired);
        Assert.Equal(0x029d32a06ac144b2UL, m.Cpu.GetGpr(Gpr.Rdx));
    }

    [Fact]
    public void TheCacheListsBlocksWithTheirTranslatedForm()
    {
        var m = Boot(a => BenchLoop(a, 10));
        m.Translator = new BlockTranslator { CompileThreshold = 0 };
        RunAll(m);
        var blocks = m.TranslatedBlocks.OrderBy(b => b.Address).ToList();
        Assert.Equal(3, blocks.Count);
        var body = blocks[1];
        Assert.Equal(9, body.GuestInstructions.Count);
        Assert.Equal("add rax, rcx", body.GuestInstructions[0]);
        Assert.Equal(body.GuestInstructions, body.TranslatedForm);   // the default policy keeps everything
        Assert.Equal(9, body.Executions);   // the first iteration runs in the entry block (a label is no block boundary)
        Assert.Equal(0, body.Callouts);
    }

    public static IEnumerable<object[]> Workloads() => Workload.All.Where(w => !w.UsesKeyboard).Select(w => new object[] { w.Name });   // keys waits for input

    /// <summary>Every workload under the built-in kernel, timer on: user and kernel code, syscalls, #PF and #DE
    /// round trips, CR3 loads, INVLPG, interrupts that cut blocks short.</summary>
    [Theory]
    [MemberData(nameof(Workloads))]
    public void KernelWorkloadIsIdentical(string name)
    {
        var w = Workload.Find(name)!;
        long n = Math.Max(1, w.DefaultIterations / 20);
        var bt = Differential(() => Guest.CreateWorkload("t", name, n, timerPeriod: 20_000, memoryMB: 16).Machine);
        Assert.True(bt.CacheHits > 0);
    }

    /// <summary>Two processes run the same user code at the same linear address from different frames: after
    /// each CR3 switch back, the decode cache finds the process's own blocks again (alternates), so the
    /// translations survive context switches instead of being made again on every switch.</summary>
    [Fact]
    public void ContextSwitchesReuseTranslations()
    {
        var m = Guest.CreateWorkload("t", "ctxswitch", 2_000, processes: 2, timerPeriod: 0, memoryMB: 16).Machine;
        var bt = new BlockTranslator { CompileThreshold = 0 };
        m.Translator = bt;
        var (_, stop) = RunAll(m);
        Assert.Equal(RunStop.Halt, stop);
        Assert.True(m.Cpu.Events.Cr3Loads >= 4_000, $"CR3 loads {m.Cpu.Events.Cr3Loads}");
        Assert.True(bt.BlocksTranslated < 400, $"{bt.BlocksTranslated} blocks translated for {m.Cpu.Events.Cr3Loads} CR3 loads");
        Assert.Equal(0, bt.Invalidations);
    }

    /// <summary>The BinaryTranslation style's split: kernel (CPL 0) blocks translated, user blocks interpreted.</summary>
    [Fact]
    public void SupervisorOnlyFilterTranslatesKernelCodeAndStaysIdentical()
    {
        var bt = new BlockTranslator { Filter = BlockTranslator.SupervisorOnly, CompileThreshold = 3 };
        Differential(() => Guest.CreateWorkload("t", "syscall", 300, timerPeriod: 20_000, memoryMB: 16).Machine, translator: bt);
        var m = Guest.CreateWorkload("t", "syscall", 300, timerPeriod: 20_000, memoryMB: 16).Machine;
        var only = new BlockTranslator { Filter = BlockTranslator.SupervisorOnly, CompileThreshold = 3 };
        m.Translator = only;
        RunAll(m);
        // Every translated block sits in the kernel's half (the user program is linked at VirtPS.Engine.Guests.Kernel.UserCodeAddress).
        Assert.NotEmpty(m.TranslatedBlocks);
        Assert.DoesNotContain(m.TranslatedBlocks, b => b.Address >= VirtPS.Engine.Guests.Kernel.UserCodeAddress && b.Address < VirtPS.Engine.Guests.Kernel.UserCodeAddress + 0x100000);
    }

    [Fact]
    public void BudgetEndingMidBlockIsIdentical()
    {
        // Slices of 7 cut the 9-instruction loop body at every offset; blocks that fit still run translated.
        var bt = Differential(() => Boot(a => BenchLoop(a, 2_000)), slice: 7);
        Assert.True(bt.CacheHits > 0);
    }

    [Fact]
    public void SelfModifyingCodeInTheSameBlockIsIdentical()
    {
        var bt = Differential(() => Boot(a =>
        {
            var target = a.CreateLabel();
            a.lea(rsi, __[target]);
            a.mov(__byte_ptr[rsi + 1], 7);   // patches the immediate of the MOV below, in this very block
            a.Label(ref target);
            a.mov(eax, 1);
            a.hlt();
        }));
        Assert.True(bt.Invalidations >= 1);
    }

    [Fact]
    public void SelfModifyingLoopInvalidatesItsTranslationEachTime()
    {
        // A loop that rewrites an instruction in a subroutine each iteration: each call must run the new bytes.
        Func<Machine> make = () => Boot(a =>
        {
            var sub = a.CreateLabel(); var top = a.CreateLabel();
            a.mov(ecx, 50);
            a.xor(ebx, ebx);
            a.Label(ref top);
            a.lea(rsi, __[sub]);
            a.mov(__byte_ptr[rsi + 1], cl);   // mov eax, imm32 gets imm = rcx's low byte
            a.call(sub);
            a.add(rbx, rax);
            a.dec(ecx);
            a.jnz(top);
            a.hlt();
            a.Label(ref sub);
            a.mov(eax, 0);
            a.ret();
        });
        var bt = Differential(make);
        Assert.True(bt.Invalidations >= 49, $"invalidations {bt.Invalidations}");
        var m = make();
        m.Translator = new BlockTranslator { CompileThreshold = 0 };
        RunAll(m);
        Assert.Equal((ulong)(50 * 51 / 2), m.Cpu.GetGpr(Gpr.Rbx));
    }

    [Fact]
    public void DivideErrorMidBlockRetiresExactlyTheInstructionsBeforeIt()
    {
        Func<Machine> make = () => Boot(a =>
        {
            a.mov(eax, 10);
            a.xor(ecx, ecx);
            a.add(ebx, 3);
            a.div(ecx);
            a.mov(edx, 1);
            a.hlt();
        });
        var bt = Differential(make);
        Assert.Equal(1, bt.BlocksTranslated);
        var m = make();
        m.Translator = new BlockTranslator { CompileThreshold = 0 };
        var r = m.Run(100);
        Assert.Equal(RunStop.Exception, r.Stop);
        Assert.Equal(3, r.Retired);
        Assert.Equal(ExceptionVector.DE, m.LastException!.Vector);
        Assert.Equal(Load + 5 + 2 + 3, m.Cpu.Rip);   // the DIV itself
        Assert.Equal(m.Cpu.Rip, m.LastException.Rip);
    }

    [Fact]
    public void PageFaultMidBlockIsIdentical()
    {
        Func<Machine> make = () => Boot(a =>
        {
            a.mov(eax, 1);
            a.mov(rsi, 0x0000_4000_0000_0000UL);   // not mapped by the loader's tables
            a.add(ebx, 2);
            a.mov(__qword_ptr[rsi], rax);
            a.hlt();
        });
        Differential(make);
        var m = make();
        m.Translator = new BlockTranslator { CompileThreshold = 0 };
        var r = m.Run(100);
        Assert.Equal(3, r.Retired);
        Assert.Equal(ExceptionVector.PF, m.LastException!.Vector);
        Assert.Equal(0x0000_4000_0000_0000UL, m.LastException.FaultAddress);
    }

    [Fact]
    public void FaultsDeliveredThroughTheIdtAreIdentical()
    {
        // #DE and #PF inside translated blocks, handled through an IDT that skips the faulting instruction.
        const ulong idt = 0x11000, handler = 0x180000;
        Func<Machine> make = () =>
        {
            var m = Boot(a =>
            {
                var top = a.CreateLabel();
                a.mov(edi, 20);
                a.Label(ref top);
                a.mov(eax, 10); a.xor(ecx, ecx);
                a.div(ecx);                                 // F7 F1
                a.mov(rsi, 0x0000_4000_0000_0000UL);
                a.mov(__qword_ptr[rsi], rax);               // 48 89 06
                a.inc(r8);
                a.dec(edi);
                a.jnz(top);
                a.hlt();
            });
            Tables(m, idt);
            GuestCode.Gate(m, idt, 0, handler);
            GuestCode.Gate(m, idt, 14, handler + 0x100);
            GuestCode.Place(m, handler, a => { a.inc(r9); a.add(__qword_ptr[rsp], 2); a.iretq(); });
            GuestCode.Place(m, handler + 0x100, a => { a.inc(r10); a.add(rsp, 8); a.add(__qword_ptr[rsp], 3); a.iretq(); });
            return m;
        };
        Differential(make);
        var m = make();
        m.Translator = new BlockTranslator { CompileThreshold = 0 };
        RunAll(m);
        Assert.Equal(20UL, m.Cpu.GetGpr(Gpr.R8));
        Assert.Equal(20UL, m.Cpu.GetGpr(Gpr.R9));
        Assert.Equal(20UL, m.Cpu.GetGpr(Gpr.R10));
    }

    [Fact]
    public void RdtscInsideABlockCountsTheInstructionsBeforeIt()
    {
        Func<Machine> make = () => Boot(a =>
        {
            a.nop(); a.nop();
            a.rdtsc();
            a.mov(rbx, rax);
            a.nop();
            a.rdtsc();
            a.hlt();
        });
        Differential(make);
        var m = make();
        m.Translator = new BlockTranslator { CompileThreshold = 0 };
        m.Run(100);
        Assert.Equal(2UL, m.Cpu.GetGpr(Gpr.Rbx));
        Assert.Equal(5UL, m.Cpu.GetGpr(Gpr.Rax));
    }

    [Fact]
    public void RepStringThatYieldsIsIdentical()
    {
        // A long REP STOSB yields part-way (Unretired) and resumes; the block around it is translated.
        Differential(() => Boot(a =>
        {
            a.mov(edi, 0x200000);
            a.mov(ecx, 300_000);
            a.mov(al, 0x5A);
            a.rep.stosb();
            a.mov(edx, 1);
            a.hlt();
        }), slice: 10_000);
    }

    // ---- callouts ----

    sealed class DivertAdds : ITranslationPolicy
    {
        public long Count;
        public Callout? CalloutFor(Insn insn) =>
            insn.Decoded.Mnemonic == Mnemonic.Add ? new Callout("emulate_add", (p, i) => { Count++; Emulate(p, i); }) : null;
    }

    static unsafe void Emulate(Processor p, Insn i) => i.Exec(p, i);

    static long _staticCallouts;
    static unsafe void CountingCallout(Processor p, Insn i) { Interlocked.Increment(ref _staticCallouts); i.Exec(p, i); }

    sealed unsafe class DivertRdtscAndDiv : ITranslationPolicy
    {
        public Callout? CalloutFor(Insn insn) =>
            insn.Decoded.Mnemonic is Mnemonic.Rdtsc or Mnemonic.Div ? new Callout("vmm_" + insn.Decoded.Mnemonic.ToString().ToLowerInvariant(), &CountingCallout) : null;
    }

    [Fact]
    public void CalloutPolicyDivertsTheChosenInstructionsAndStateStaysIdentical()
    {
        var policy = new DivertAdds();
        var bt = Differential(() => Boot(a => BenchLoop(a, 1_000)), translator: new BlockTranslator(policy) { CompileThreshold = 3 });
        Assert.Equal(1_000, policy.Count);            // one ADD per iteration, every one diverted
        Assert.Equal(1_000, bt.CalloutsExecuted);

        var m = Boot(a => BenchLoop(a, 3));
        m.Translator = new BlockTranslator(new DivertAdds());
        RunAll(m);
        var body = m.TranslatedBlocks.Single(b => b.GuestInstructions.Count == 9);
        Assert.Equal("callout emulate_add(add rax, rcx)", body.TranslatedForm[0]);
        Assert.Equal(body.GuestInstructions.Skip(1), body.TranslatedForm.Skip(1));
        Assert.Equal(1, body.Callouts);
    }

    [Fact]
    public void FunctionPointerCalloutsFaultLikeTheInstruction()
    {
        // A callout that raises the instruction's fault (#DE) is charged to that instruction, as in the interpreter.
        const ulong idt = 0x11000, handler = 0x180000;
        Func<Machine> make = () =>
        {
            var m = Boot(a =>
            {
                var top = a.CreateLabel();
                a.mov(edi, 10);
                a.Label(ref top);
                a.rdtsc();
                a.mov(r11, rax);
                a.mov(eax, 10); a.xor(ecx, ecx);
                a.div(ecx);
                a.dec(edi);
                a.jnz(top);
                a.hlt();
            });
            Tables(m, idt);
            GuestCode.Gate(m, idt, 0, handler);
            GuestCode.Place(m, handler, a => { a.inc(r9); a.add(__qword_ptr[rsp], 2); a.iretq(); });
            return m;
        };
        long before = Interlocked.Read(ref _staticCallouts);
        var bt = Differential(make, translator: new BlockTranslator(new DivertRdtscAndDiv()) { CompileThreshold = 3 });
        Assert.Equal(20, bt.CalloutsExecuted);
        Assert.Equal(20, Interlocked.Read(ref _staticCallouts) - before);
    }
}
