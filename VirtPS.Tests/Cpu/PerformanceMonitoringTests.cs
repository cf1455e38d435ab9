using Iced.Intel;
using VirtPS.Engine.Cpu;
using Xunit;
using static Iced.Intel.AssemblerRegisters;

namespace VirtPS.Tests.Cpu;

/// <summary>
/// Architectural performance monitoring against the SDM (Vol. 3B, ch. 18; Vol. 3A, 10.5.1): CPUID leaf 0AH,
/// IA32_PERFEVTSEL0's USR/OS filters, IA32_PMC0's width and legacy sign-extending write, an overflow interrupt
/// exactly at the programmed instruction, and the LVT performance-counter entry's mask bit.
/// </summary>
public class PerformanceMonitoringTests
{
    const ulong Kernel = 0x100000, User = 0x140000, Entry = 0x180000, Handler = 0x190000, Done = 0x1A0000;
    const ulong Gdt = 0x10000, Idt = 0x11000, Tss = 0x12000, KStack = 0x20000, UStack = 0x30000;
    const ushort KCode = 0x08, TssSel = 0x30;
    const int PmiVector = 0x40;
    const uint EvtSel = 0x186, Pmc0 = 0xC1, APmc0 = 0x4C1, LvtPmi = 0x834;
    const uint InstRetired = 0xC0, Usr = 1 << 16, Os = 1 << 17, Int = 1 << 20, En = 1 << 22;

    /// <summary>A machine with kernel and user segments, a TSS, SYSCALL/SYSRET set up, x2APIC on, an IDT whose
    /// vector 0x81 (DPL 3) and PMI vector lead to handlers, and <paramref name="kernel"/> at CPL 0.</summary>
    static Machine Make(Action<Assembler> kernel, Action<Assembler>? user = null, Action<Assembler>? syscall = null, Action<Assembler>? pmi = null)
    {
        var m = new Machine(4 << 20);
        ulong[] gdt =
        [
            0, 0x00AF_9A00_0000_FFFF, 0x00CF_9200_0000_FFFF, 0x00CF_FA00_0000_FFFF, 0x00CF_F200_0000_FFFF, 0x00AF_FA00_0000_FFFF,
            0x67 | ((Tss & 0xFF_FFFF) << 16) | (0x89UL << 40) | (((Tss >> 24) & 0xFF) << 56), Tss >> 32,
        ];
        for (int k = 0; k < gdt.Length; k++) GuestCode.Put(m, Gdt + 8 * (ulong)k, gdt[k]);
        GuestCode.Put(m, Tss + 4, KStack);
        m.Cpu.Gdtr = new TableRegister(Gdt, (ushort)(gdt.Length * 8 - 1));
        m.Cpu.Idtr = new TableRegister(Idt, 256 * 16 - 1);
        m.Cpu.Tr = TssSel; m.Cpu.TrBase = Tss;
        m.Cpu.Efer |= 1;
        m.Cpu.Star = (0x18UL << 48) | ((ulong)KCode << 32);
        m.Cpu.Lstar = Entry;
        m.Cpu.Fmask = (ulong)RFlags.IF;
        m.Cpu.ApicBaseMsr |= 1 << 10;   // x2APIC
        m.Cpu.Apic.Write(LocalApic.MsrSvr, 0x1FF, 0);
        GuestCode.Place(m, Kernel, kernel);
        GuestCode.Place(m, User, user ?? (a => a.hlt()));
        GuestCode.Place(m, Entry, syscall ?? (a => a.hlt()));
        GuestCode.Place(m, Handler, pmi ?? (a => a.hlt()));
        GuestCode.Place(m, Done, a => a.hlt());
        GuestCode.Gate(m, Idt, PmiVector, Handler);
        GuestCode.Gate(m, Idt, 0x81, Done, dpl: 3);
        m.Cpu.Rip = Kernel;
        m.Cpu.SetGpr(Gpr.Rsp, KStack);
        return m;
    }

    static void Wrmsr(Assembler a, uint msr, ulong v) { a.mov(ecx, msr); a.mov(eax, (uint)v); a.mov(edx, (uint)(v >> 32)); a.wrmsr(); }

    static void ToUser(Assembler a) { a.mov(rcx, User); a.mov(r11d, 0x202); a.mov(rsp, UStack); a.sysretq(); }

    static ulong Msr(Machine m, uint msr) => m.Cpu.ReadMsr(msr, 0);

    /// <summary>10 NOPs and the four instructions that leave for CPL 3 retire at CPL 0; 20 NOPs and the SYSCALL
    /// at CPL 3; back at CPL 0, the MOV before the RDMSR. The WRMSR that enables counting is not counted, and RDMSR
    /// reads the count of the instructions before it; the five from RDMSR to HLT count at CPL 0 after it.</summary>
    [Theory]
    [InlineData(Usr, 21)]
    [InlineData(Os, 15)]
    [InlineData(Usr | Os, 36)]
    [InlineData(0u, 0)]
    public void InstructionsRetiredCountsAtThePrivilegeLevelsSelected(uint filter, long expected)
    {
        var m = Make(a =>
        {
            Wrmsr(a, EvtSel, InstRetired | filter | En);
            for (int k = 0; k < 10; k++) a.nop();
            ToUser(a);
        }, user: a => { for (int k = 0; k < 20; k++) a.nop(); a.syscall(); },
           syscall: a => { a.mov(ecx, Pmc0); a.rdmsr(); a.shl(rdx, 32); a.or(rax, rdx); a.mov(r15, rax); a.hlt(); });
        Assert.Equal(RunStop.Halt, m.Run(1000).Stop);
        Assert.Equal((ulong)expected, m.Cpu.GetGpr(Gpr.R15));
        Assert.Equal((ulong)expected + ((filter & Os) != 0 ? 5UL : 0), m.Cpu.Pmu.Pmc0);
        Assert.Equal(0, m.Cpu.Pmu.Overflows);
    }

    /// <summary>Only INST_RETIRED.ANY_P (event C0H, umask 0, no CMASK, INV or E) is counted; other events count
    /// nothing here, as do a disabled counter and one whose event select has EN clear.</summary>
    [Theory]
    [InlineData(0x3C | Usr | Os | En)]                   // unhalted core cycles: not implemented
    [InlineData(InstRetired | 0x100 | Usr | Os | En)]    // a umask
    [InlineData(InstRetired | (1u << 24) | Usr | Os | En)]   // a counter mask
    [InlineData(InstRetired | Usr | Os)]                 // EN clear
    public void OtherEventsCountNothing(uint evtsel)
    {
        var m = Make(a => { Wrmsr(a, EvtSel, evtsel); for (int k = 0; k < 10; k++) a.nop(); a.hlt(); });
        Assert.Equal(RunStop.Halt, m.Run(100).Stop);
        Assert.Equal(0UL, m.Cpu.Pmu.Pmc0);
    }

    /// <summary>The counter set 5 short of wrapping, user instructions only: the PMI is taken right after the fifth
    /// user INC retires (RBX = 5, the frame's RIP the sixth INC), however the run is cut into calls, and the
    /// LVT entry is masked by the delivery (SDM Vol. 3A, Figure 10-8). The legacy IA32_PMC0 write sign-extends
    /// bit 31 of -5 across the 48 bits.</summary>
    [Theory]
    [InlineData(1000)]
    [InlineData(3)]
    [InlineData(1)]
    public void TheCounterInterruptsExactlyWhereItWraps(long budget)
    {
        var m = Make(a =>
        {
            Wrmsr(a, LvtPmi, PmiVector);
            Wrmsr(a, Pmc0, 0x1234_5678_FFFF_FFFB);   // EDX is ignored by the legacy write
            Wrmsr(a, EvtSel, InstRetired | Usr | Int | En);
            for (int k = 0; k < 10; k++) a.nop();   // CPL 0: not counted
            ToUser(a);
        }, user: a => { for (int k = 0; k < 10; k++) a.inc(rbx); a.@int(0x81); },
           pmi: a => { a.mov(r14, __qword_ptr[rsp]); a.mov(ecx, LvtPmi); a.rdmsr(); a.mov(r13, rax); a.hlt(); });
        RunStop stop;
        int calls = 0;
        do stop = m.Run(budget).Stop; while (stop == RunStop.Budget && ++calls < 1000);
        Assert.Equal(RunStop.Halt, stop);
        Assert.Equal(5UL, m.Cpu.GetGpr(Gpr.Rbx));
        Assert.Equal(User + 5 * 3, m.Cpu.GetGpr(Gpr.R14));              // INC RBX is 3 bytes
        Assert.Equal((ulong)(PmiVector | 0x1_0000), m.Cpu.GetGpr(Gpr.R13));   // masked on delivery
        Assert.Equal(1, m.Cpu.Pmu.Overflows);
        Assert.Equal(1, m.Cpu.Apic.PerformanceMonitoringInterrupts);
        Assert.Equal(1, m.Cpu.Events.Interrupts);
        Assert.Equal(0UL, m.Cpu.Pmu.Pmc0);                             // nothing counted at CPL 0 since
    }

    /// <summary>At CPL 0 with OS only, interrupts enabled: the PMI comes after the third INC.</summary>
    [Fact]
    public void AnOsCounterInterruptsTheKernelAtTheProgrammedInstruction()
    {
        var m = Make(a =>
        {
            Wrmsr(a, LvtPmi, PmiVector);
            Wrmsr(a, APmc0, (1UL << 48) - 3);
            Wrmsr(a, EvtSel, InstRetired | Os | Int | En);
            for (int k = 0; k < 10; k++) a.inc(rbx);
            a.hlt();
        }, pmi: a => { a.mov(r14, __qword_ptr[rsp]); a.hlt(); });
        m.Cpu.Rflags = 0x202;
        Assert.Equal(RunStop.Halt, m.Run(1000).Stop);
        Assert.Equal(3UL, m.Cpu.GetGpr(Gpr.Rbx));
        Assert.Equal(1, m.Cpu.Apic.PerformanceMonitoringInterrupts);
    }

    /// <summary>A masked LVT entry lets the counter overflow without an interrupt; so does a counter with INT clear.
    /// A handler that re-arms the counter but leaves the entry masked (by the first PMI) gets no second one; one
    /// that unmasks it does. Twelve user INCs, the counter armed four short of wrapping.</summary>
    [Theory]
    [InlineData(PmiVector | 0x1_0000, Int, false, 0, 1)]   // masked entry: the counter wraps once and counts on
    [InlineData(PmiVector, 0u, false, 0, 1)]               // INT clear
    [InlineData(PmiVector, Int, false, 1, 2)]              // not unmasked: one PMI, the re-armed counter's overflow is silent
    [InlineData(PmiVector, Int, true, 3, 3)]               // unmasked by the handler: one every four INCs
    public void TheMaskBitGatesTheInterrupt(uint lvt, uint intBit, bool unmask, long pmis, long overflows)
    {
        var m = Make(a =>
        {
            Wrmsr(a, LvtPmi, lvt);
            Wrmsr(a, Pmc0, unchecked((uint)-4));
            Wrmsr(a, EvtSel, InstRetired | Usr | intBit | En);
            ToUser(a);
        }, user: a => { for (int k = 0; k < 12; k++) a.inc(rbx); a.@int(0x81); },
           pmi: a =>
           {
               a.inc(r12);
               Wrmsr(a, Pmc0, unchecked((uint)-4));
               if (unmask) Wrmsr(a, LvtPmi, PmiVector);
               Wrmsr(a, LocalApic.MsrEoi, 0);
               a.iretq();
           });
        Assert.Equal(RunStop.Halt, m.Run(1000).Stop);
        Assert.Equal(12UL, m.Cpu.GetGpr(Gpr.Rbx));
        Assert.Equal((ulong)pmis, m.Cpu.GetGpr(Gpr.R12));
        Assert.Equal(pmis, m.Cpu.Events.Interrupts);
        Assert.Equal(overflows, m.Cpu.Pmu.Overflows);
    }

    /// <summary>CPUID.0AH: version 1, one general-purpose counter, 48 bits, seven event bits of which only
    /// "instructions retired" (bit 1) is available; leaf 0 reaches it; CPUID.1:ECX.PDCM for IA32_PERF_CAPABILITIES,
    /// whose FW_WRITE bit offers the full-width alias IA32_A_PMC0.</summary>
    [Fact]
    public void CpuidLeaf0AhDescribesTheCounter()
    {
        var m = Make(a =>
        {
            a.xor(eax, eax); a.cpuid(); a.mov(r8, rax);
            a.mov(eax, 0xA); a.xor(ecx, ecx); a.cpuid(); a.mov(r9, rax); a.mov(r10, rbx); a.mov(r11, rdx);
            a.mov(eax, 1); a.cpuid(); a.mov(r12, rcx);
            a.mov(ecx, 0x345); a.rdmsr(); a.mov(r13, rax);
            a.hlt();
        });
        Assert.Equal(RunStop.Halt, m.Run(100).Stop);
        Assert.True(m.Cpu.GetGpr(Gpr.R8) >= 0xA);
        ulong a0a = m.Cpu.GetGpr(Gpr.R9);
        Assert.Equal(1UL, a0a & 0xFF);               // version ID
        Assert.Equal(1UL, (a0a >> 8) & 0xFF);        // general-purpose counters
        Assert.Equal(48UL, (a0a >> 16) & 0xFF);      // their width
        Assert.Equal(7UL, a0a >> 24);                // EBX bits described
        Assert.Equal(0UL, m.Cpu.GetGpr(Gpr.R10) & 2);   // instructions retired: available
        Assert.Equal(0x7DUL, m.Cpu.GetGpr(Gpr.R10));    // every other architectural event: not
        Assert.Equal(0UL, m.Cpu.GetGpr(Gpr.R11));       // version 1: no fixed counters
        Assert.NotEqual(0UL, m.Cpu.GetGpr(Gpr.R12) & (1 << 15));
        Assert.NotEqual(0UL, m.Cpu.GetGpr(Gpr.R13) & (1 << 13));
    }

    /// <summary>Reserved bits #GP(0): IA32_PERFEVTSEL0's upper half, IA32_A_PMC0 beyond 48 bits; the counter MSRs are
    /// privileged; the legacy write keeps bits 31:0 with bit 31 copied up, the full-width one all 48.</summary>
    [Theory]
    [InlineData(EvtSel, 0x1_0000_0000UL)]
    [InlineData(APmc0, 1UL << 48)]
    [InlineData(0x345u, 0UL)]
    public void ReservedBitsAreGp0(uint msr, ulong v)
    {
        var m = Make(a => { Wrmsr(a, msr, v); a.hlt(); });
        m.Cpu.Idtr = default;   // no IDT: the #GP stops the machine
        Assert.Equal(RunStop.Exception, m.Run(100).Stop);
        Assert.Equal(ExceptionVector.GP, m.LastException!.Vector);
        Assert.Equal(0UL, m.LastException.ErrorCode);
    }

    [Theory]
    [InlineData(Pmc0, 0xFFFF_FFFF_8000_0000UL, 0xFFFF_8000_0000UL)]
    [InlineData(Pmc0, 0x0000_0001_7FFF_FFFFUL, 0x7FFF_FFFFUL)]
    [InlineData(APmc0, 0xFFFF_FFFF_FFFFUL, 0xFFFF_FFFF_FFFFUL)]
    public void CounterWritesKeepTheirWidth(uint msr, ulong v, ulong read)
    {
        var m = Make(a => { Wrmsr(a, msr, v); a.hlt(); });
        Assert.Equal(RunStop.Halt, m.Run(100).Stop);
        Assert.Equal(read, Msr(m, Pmc0));
    }

    [Fact]
    public void TheCounterMsrsArePrivileged()
    {
        var m = Make(a => a.hlt(), user: a => { a.mov(ecx, Pmc0); a.rdmsr(); a.hlt(); });
        m.Cpu.Idtr = default;
        m.Cpu.Cs = 0x2B; m.Cpu.Ss = 0x23; m.Cpu.Rip = User;
        Assert.Equal(RunStop.Exception, m.Run(100).Stop);
        Assert.Equal(ExceptionVector.GP, m.LastException!.Vector);
    }
}
