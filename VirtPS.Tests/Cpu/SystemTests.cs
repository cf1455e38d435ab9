using Iced.Intel;
using VirtPS.Engine.Cpu;
using Xunit;
using static Iced.Intel.AssemblerRegisters;

namespace VirtPS.Tests.Cpu;

/// <summary>
/// System instructions and exception delivery against the Intel SDM (Vol. 2 instruction pages, Vol. 3A
/// chapters 5-6): each success path and the faults the manual lists. Code is built with Iced's assembler.
/// </summary>
public class SystemTests
{
    const ulong Code = 0x100000, Gdt = 0x10000, Idt = 0x11000, Tss = 0x12000, KStack = 0x20000, UStack = 0x30000;
    const ushort KCode = 0x08, KData = 0x10, UData = 0x23, UCode = 0x2B, TssSel = 0x30;

    static Machine Bare(Action<Assembler> code)
    {
        var m = new Machine(4 << 20);
        m.Memory.Write(Code, GuestCode.Assemble(Code, code));
        m.Cpu.Rip = Code;
        m.Cpu.SetGpr(Gpr.Rsp, KStack);
        return m;
    }

    /// <summary>A machine with a GDT (kernel and user segments, a TSS with RSP0), an empty IDT and code at 0x100000.</summary>
    static Machine WithTables(Action<Assembler> code)
    {
        var m = Bare(code);
        ulong[] gdt =
        [
            0,
            0x00AF_9A00_0000_FFFF,   // 0x08 kernel code, 64-bit, DPL 0
            0x00CF_9200_0000_FFFF,   // 0x10 kernel data
            0x00CF_FA00_0000_FFFF,   // 0x18 user code, 32-bit (SYSRET's layout wants it here)
            0x00CF_F200_0000_FFFF,   // 0x20 user data, DPL 3
            0x00AF_FA00_0000_FFFF,   // 0x28 user code, 64-bit, DPL 3
            0x67 | ((Tss & 0xFF_FFFF) << 16) | (0x89UL << 40) | (((Tss >> 24) & 0xFF) << 56),   // 0x30 TSS
            Tss >> 32,
        ];
        for (int k = 0; k < gdt.Length; k++) m.Memory.Write(Gdt + 8 * (ulong)k, BitConverter.GetBytes(gdt[k]));
        m.Memory.Write(Tss + 4, BitConverter.GetBytes(KStack));   // RSP0
        m.Cpu.Gdtr = new TableRegister(Gdt, (ushort)(gdt.Length * 8 - 1));
        m.Cpu.Idtr = new TableRegister(Idt, 256 * 16 - 1);
        m.Cpu.Tr = TssSel; m.Cpu.TrBase = Tss;
        return m;
    }

    static void Gate(Machine m, int vector, ulong handler, int dpl = 0, int type = 0xE, bool present = true) =>
        GuestCode.Gate(m, Idt, vector, handler, dpl, type, present, KCode);

    static void Place(Machine m, ulong at, Action<Assembler> code) => GuestCode.Place(m, at, code);

    static void EnterUser(Machine m, ulong rip)
    {
        m.Cpu.Cs = UCode; m.Cpu.Ss = UData;
        m.Cpu.Rip = rip;
        m.Cpu.SetGpr(Gpr.Rsp, UStack);
    }

    static void AssertFault(Machine m, ExceptionVector v, ulong? errorCode)
    {
        Assert.NotNull(m.LastException);
        Assert.Equal(v, m.LastException!.Vector);
        Assert.Equal(errorCode, m.LastException.ErrorCode);
    }

    // ---- control registers ----

    [Fact]
    public void MovToCr3AtCpl3IsGp0()
    {
        var m = Bare(a => { a.mov(cr3, rax); a.hlt(); });
        m.Cpu.Cs = UCode;
        Assert.Equal(RunStop.Exception, m.Run(10).Stop);
        AssertFault(m, ExceptionVector.GP, 0);
    }

    [Fact]
    public void MovFromCr0AtCpl3IsGp0()
    {
        var m = Bare(a => { a.mov(rax, cr0); a.hlt(); });
        m.Cpu.Cs = UCode;
        m.Run(10);
        AssertFault(m, ExceptionVector.GP, 0);
    }

    [Fact]
    public void ControlRegistersReadBackWhatWasWritten()
    {
        var m = Bare(a =>
        {
            a.mov(rax, cr3); a.mov(cr3, rax);   // reload the loader's tables (a different CR3 would need tables there)
            a.mov(rax, cr3); a.mov(rbx, rax);
            a.mov(eax, 5); a.mov(cr8, rax); a.mov(rcx, cr8);
            a.mov(rax, 0xDEAD_B000); a.mov(cr2, rax); a.mov(rdx, cr2);
            a.hlt();
        });
        Assert.Equal(RunStop.Halt, m.Run(100).Stop);
        Assert.Equal(VirtPS.Engine.Memory.BootPageTables.Pml4, m.Cpu.GetGpr(Gpr.Rbx));
        Assert.Equal(5UL, m.Cpu.GetGpr(Gpr.Rcx));
        Assert.Equal(0xDEAD_B000UL, m.Cpu.GetGpr(Gpr.Rdx));
    }

    [Theory]
    [InlineData("cr4-reserved")]   // CR4 bit 63
    [InlineData("cr0-pg-off")]     // leaving long mode
    [InlineData("cr0-high")]       // CR0[63:32]
    [InlineData("cr8-high")]       // CR8[63:4]
    [InlineData("cr3-high")]       // above MAXPHYADDR
    [InlineData("cr4-pae-off")]    // PAE cleared in long mode
    public void ReservedControlRegisterBitsAreGp0(string which)
    {
        var m = Bare(a =>
        {
            switch (which)
            {
                case "cr4-reserved": a.mov(rax, cr4); a.bts(rax, 63); a.mov(cr4, rax); break;
                case "cr0-pg-off": a.mov(rax, cr0); a.btr(rax, 31); a.mov(cr0, rax); break;
                case "cr0-high": a.mov(rax, cr0); a.bts(rax, 40); a.mov(cr0, rax); break;
                case "cr8-high": a.mov(eax, 16); a.mov(cr8, rax); break;
                case "cr3-high": a.mov(rax, 1UL << 45); a.mov(cr3, rax); break;
                case "cr4-pae-off": a.mov(rax, cr4); a.btr(rax, 5); a.mov(cr4, rax); break;
            }
            a.hlt();
        });
        Assert.Equal(RunStop.Exception, m.Run(10).Stop);
        AssertFault(m, ExceptionVector.GP, 0);
    }

    // ---- MSRs, CPUID, TSC ----

    [Fact]
    public void WrmsrThenRdmsrRoundTripsLstar()
    {
        var m = Bare(a =>
        {
            a.mov(ecx, (uint)Msr.Lstar); a.mov(edx, 0xFFFF_8000); a.mov(eax, 0x1234_5678); a.wrmsr();
            a.xor(eax, eax); a.xor(edx, edx); a.rdmsr();
            a.hlt();
        });
        Assert.Equal(RunStop.Halt, m.Run(100).Stop);
        Assert.Equal(0x1234_5678UL, m.Cpu.GetGpr(Gpr.Rax));
        Assert.Equal(0xFFFF_8000UL, m.Cpu.GetGpr(Gpr.Rdx));
    }

    [Theory]
    [InlineData(0x1234u, 0u, false)]                        // no such MSR
    [InlineData((uint)Msr.Lstar, 0x0000_8000u, false)]      // non-canonical 0x00008000_00000000
    [InlineData((uint)Msr.Efer, 0x0000_0001u, false)]       // reserved EFER bit 32
    [InlineData((uint)Msr.Star, 0u, true)]                  // fine at CPL 0, #GP at CPL 3
    public void BadMsrAccessIsGp0(uint msr, uint high, bool atCpl3)
    {
        var m = Bare(a => { a.mov(ecx, msr); a.mov(edx, high); a.xor(eax, eax); a.wrmsr(); a.hlt(); });
        if (atCpl3) m.Cpu.Cs = UCode;
        Assert.Equal(RunStop.Exception, m.Run(10).Stop);
        AssertFault(m, ExceptionVector.GP, 0);
    }

    [Fact]
    public void CpuidReportsTheVendorAndLongMode()
    {
        var m = Bare(a =>
        {
            a.xor(eax, eax); a.cpuid(); a.mov(r8, rbx); a.mov(r9, rdx); a.mov(r10, rcx);
            a.mov(eax, 0x8000_0001); a.cpuid();
            a.hlt();
        });
        m.Run(100);
        string vendor = string.Concat(new[] { m.Cpu.GetGpr(Gpr.R8), m.Cpu.GetGpr(Gpr.R9), m.Cpu.GetGpr(Gpr.R10) }
            .Select(v => System.Text.Encoding.ASCII.GetString(BitConverter.GetBytes((uint)v))));
        Assert.Equal("VirtPSVirtPS", vendor);
        Assert.NotEqual(0UL, m.Cpu.GetGpr(Gpr.Rdx) & (1UL << 29));   // LM
        Assert.NotEqual(0UL, m.Cpu.GetGpr(Gpr.Rdx) & (1UL << 11));   // SYSCALL
    }

    [Fact]
    public void RdtscCountsRetiredInstructionsAndIsDeterministic()
    {
        Action<Assembler> prog = a => { a.nop(); a.nop(); a.nop(); a.rdtsc(); a.mov(rbx, rax); a.rdtsc(); a.hlt(); };
        var m = Bare(prog);
        m.Run(100);
        Assert.Equal(3UL, m.Cpu.GetGpr(Gpr.Rbx));   // three instructions retired before the first RDTSC
        Assert.Equal(5UL, m.Cpu.GetGpr(Gpr.Rax));
    }

    [Fact]
    public void RdtscWithTsdAtCpl3IsGp0()
    {
        var m = Bare(a => { a.rdtsc(); a.hlt(); });
        m.Cpu.Cr4 |= 1UL << 2;
        m.Cpu.Cs = UCode;
        m.Run(10);
        AssertFault(m, ExceptionVector.GP, 0);
    }

    [Fact]
    public void SwapgsExchangesGsBaseWithKernelGsBase()
    {
        var m = Bare(a =>
        {
            a.mov(ecx, (uint)Msr.KernelGsBase); a.mov(eax, 0x4000); a.xor(edx, edx); a.wrmsr();
            a.swapgs();
            a.xor(edi, edi); a.mov(rbx, __qword_ptr.gs[rdi + 8]);
            a.hlt();
        });
        m.Memory.Write(0x4008, BitConverter.GetBytes(0xABCDUL));
        Assert.Equal(RunStop.Halt, m.Run(100).Stop);
        Assert.Equal(0x4000UL, m.Cpu.GsBase);
        Assert.Equal(0xABCDUL, m.Cpu.GetGpr(Gpr.Rbx));
    }

    // ---- IF, IOPL, HLT ----

    [Fact]
    public void CliAtCpl3WithIopl0IsGp0()
    {
        var m = Bare(a => { a.cli(); a.hlt(); });
        m.Cpu.Cs = UCode;
        m.Run(10);
        AssertFault(m, ExceptionVector.GP, 0);
    }

    [Fact]
    public void CliAtCpl3WithIopl3IsAllowed()
    {
        var m = Bare(a => { a.cli(); a.nop(); a.hlt(); });
        m.Cpu.Rflags = 0x202 | (3UL << 12);
        m.Cpu.Cs = UCode;
        var r = m.Run(2);
        Assert.Equal(2, r.Retired);
        Assert.Equal(0UL, m.Cpu.Rflags & (ulong)RFlags.IF);
    }

    /// <summary>The example: POPF at CPL 3 leaves IF unchanged without a fault.</summary>
    [Fact]
    public void PopfAtCpl3LeavesIfAndIoplUnchangedWithoutFault()
    {
        var m = Bare(a => { a.push(0x3000 | 0x1); a.popfq(); a.nop(); });   // tries IF=0, IOPL=3, CF=1
        m.Cpu.Rflags = 0x202;
        m.Cpu.Cs = UCode;
        var r = m.Run(3);
        Assert.Equal(3, r.Retired);
        Assert.Null(m.LastException);
        ulong f = m.Cpu.Rflags;
        Assert.Equal((ulong)RFlags.IF, f & (ulong)RFlags.IF);
        Assert.Equal(0UL, f & (ulong)RFlags.IOPL);
        Assert.Equal((ulong)RFlags.CF, f & (ulong)RFlags.CF);
    }

    [Fact]
    public void PopfAtCpl0LoadsIfAndIopl()
    {
        var m = Bare(a => { a.push(0x3002); a.popfq(); a.hlt(); });
        m.Cpu.Rflags = 0x202;
        m.Run(10);
        Assert.Equal(0x3002UL, m.Cpu.Rflags);
    }

    [Fact]
    public void HltAtCpl3IsGp0()
    {
        var m = Bare(a => a.hlt());
        m.Cpu.Cs = UCode;
        m.Run(10);
        AssertFault(m, ExceptionVector.GP, 0);
    }

    // ---- descriptor tables ----

    [Fact]
    public void LgdtSgdtLidtSidtRoundTrip()
    {
        var m = Bare(a =>
        {
            a.mov(edi, 0x5000);
            a.mov(__word_ptr[rdi], 0x7F); a.mov(rax, 0xFFFF_8000_0001_0000); a.mov(__qword_ptr[rdi + 2], rax);
            a.lgdt(__[rdi]); a.lidt(__[rdi]);
            a.sgdt(__[rdi + 16]); a.sidt(__[rdi + 32]);
            a.hlt();
        });
        Assert.Equal(RunStop.Halt, m.Run(100).Stop);
        Assert.Equal(new TableRegister(0xFFFF_8000_0001_0000, 0x7F), m.Cpu.Gdtr);
        Assert.Equal(m.Cpu.Gdtr, m.Cpu.Idtr);
        Assert.Equal(m.Memory.Read(0x5000, 10), m.Memory.Read(0x5010, 10));
        Assert.Equal(m.Memory.Read(0x5000, 10), m.Memory.Read(0x5020, 10));
    }

    [Fact]
    public void LgdtAtCpl3IsGp0()
    {
        var m = Bare(a => { a.mov(edi, 0x5000); a.lgdt(__[rdi]); a.hlt(); });
        m.Cpu.Cs = UCode;
        m.Run(10);
        AssertFault(m, ExceptionVector.GP, 0);
    }

    [Fact]
    public void SidtAtCpl3WithUmipIsGp0ButWithoutUmipSucceeds()
    {
        Action<Assembler> prog = a => { a.mov(edi, 0x5000); a.sidt(__[rdi]); a.hlt(); };
        var free = Bare(prog);
        free.Cpu.Cs = UCode;
        free.Run(10);
        Assert.Equal(ExceptionVector.GP, free.LastException!.Vector);   // the HLT, not the SIDT
        Assert.Equal(Code + 8, free.LastException.Rip);

        var umip = Bare(prog);
        umip.Cpu.Cr4 |= 1UL << 11;
        umip.Cpu.Cs = UCode;
        umip.Run(10);
        Assert.Equal(Code + 5, umip.LastException!.Rip);   // the SIDT
        AssertFault(umip, ExceptionVector.GP, 0);
    }

    [Fact]
    public void LtrLoadsTheTssAndMarksItBusyThenStrReadsItBack()
    {
        var m = WithTables(a => { a.mov(eax, TssSel); a.ltr(ax); a.str(ebx); a.hlt(); });
        m.Cpu.Tr = 0; m.Cpu.TrBase = 0;
        Assert.Equal(RunStop.Halt, m.Run(10).Stop);
        Assert.Equal(TssSel, m.Cpu.Tr);
        Assert.Equal((ulong)TssSel, m.Cpu.GetGpr(Gpr.Rbx));
        ulong desc = BitConverter.ToUInt64(m.Memory.Read(Gdt + TssSel, 8));
        Assert.Equal(0xBUL, (desc >> 40) & 0xF);   // busy 64-bit TSS
    }

    [Fact]
    public void LtrOfACodeSegmentIsGpWithTheSelector()
    {
        var m = WithTables(a => { a.mov(eax, KCode); a.ltr(ax); a.hlt(); });
        m.Cpu.Idtr = default;   // no IDT: the fault is recorded rather than delivered
        m.Run(10);
        AssertFault(m, ExceptionVector.GP, KCode);
    }

    // ---- exception delivery ----

    [Fact]
    public void DivideErrorIsDeliveredThroughTheIdtAndIretqResumes()
    {
        const ulong handler = 0x180000;
        var m = WithTables(a =>
        {
            a.mov(eax, 10); a.xor(ecx, ecx);
            a.div(ecx);                // 2 bytes: F7 F1
            a.mov(rdx, 0x55);
            a.hlt();
        });
        Gate(m, 0, handler);
        Place(m, handler, a => { a.mov(rbx, __qword_ptr[rsp]); a.add(__qword_ptr[rsp], 2); a.iretq(); });
        var r = m.Run(100);
        Assert.Equal(RunStop.Halt, r.Stop);
        Assert.Equal(Code + 7, m.Cpu.GetGpr(Gpr.Rbx));   // the saved RIP is the DIV itself: a fault
        Assert.Equal(0x55UL, m.Cpu.GetGpr(Gpr.Rdx));
        Assert.Equal(KStack, m.Cpu.GetGpr(Gpr.Rsp));       // the frame was popped
        Assert.Equal(2 + 3 + 2, r.Retired);                // the faulting DIV does not retire
    }

    [Fact]
    public void IntFromUserSwitchesToRsp0PushesTheFrameAndIretqReturnsToCpl3()
    {
        const ulong user = 0x140000, handler = 0x180000;
        var m = WithTables(a => { });
        Place(m, user, a => { a.mov(eax, 7); a.@int(0x80); a.mov(ebx, 9); a.@int(0x81); });
        Gate(m, 0x80, handler, dpl: 3);
        Gate(m, 0x81, handler + 0x100, dpl: 3);
        Place(m, handler, a =>
        {
            a.mov(r8, __qword_ptr[rsp]);        // RIP
            a.mov(r9, __qword_ptr[rsp + 8]);    // CS
            a.mov(r10, __qword_ptr[rsp + 24]);  // RSP
            a.mov(r11, __qword_ptr[rsp + 32]);  // SS
            a.mov(r12, rsp);
            a.iretq();
        });
        Place(m, handler + 0x100, a => a.hlt());
        EnterUser(m, user);
        m.Cpu.Rflags = 0x202;
        var r = m.Run(100);
        Assert.Equal(RunStop.Halt, r.Stop);
        Assert.Equal(user + 7, m.Cpu.GetGpr(Gpr.R8));        // after the INT: a trap
        Assert.Equal((ulong)UCode, m.Cpu.GetGpr(Gpr.R9));
        Assert.Equal(UStack, m.Cpu.GetGpr(Gpr.R10));
        Assert.Equal((ulong)UData, m.Cpu.GetGpr(Gpr.R11));
        Assert.Equal(KStack - 40, m.Cpu.GetGpr(Gpr.R12));    // five qwords on the TSS.RSP0 stack
        Assert.Equal(9UL, m.Cpu.GetGpr(Gpr.Rbx));            // resumed in user mode
        Assert.Equal(0, m.Cpu.Cpl);                          // and halted in the second handler
    }

    [Fact]
    public void IntToADpl0GateFromUserIsGpNamingTheGate()
    {
        const ulong user = 0x140000, gpHandler = 0x180000;
        var m = WithTables(a => { });
        Place(m, user, a => a.@int(0x40));
        Gate(m, 0x40, 0x190000, dpl: 0);
        Gate(m, 13, gpHandler);
        Place(m, gpHandler, a => { a.mov(rbx, __qword_ptr[rsp]); a.hlt(); });   // the error code
        EnterUser(m, user);
        Assert.Equal(RunStop.Halt, m.Run(100).Stop);
        Assert.Equal(0x40UL * 8 + 2, m.Cpu.GetGpr(Gpr.Rbx));   // IDT bit set, EXT clear (SDM Vol. 3A, 6.13)
    }

    [Fact]
    public void ANotPresentHandlerBecomesADoubleFault()
    {
        const ulong dfHandler = 0x180000;
        var m = WithTables(a => { a.xor(ecx, ecx); a.div(ecx); });
        Gate(m, 0, 0x190000, present: false);   // #DE -> #NP, both contributory: #DF
        Gate(m, 11, 0x190000, present: false);
        Gate(m, 8, dfHandler);
        Place(m, dfHandler, a => { a.mov(rbx, __qword_ptr[rsp]); a.hlt(); });
        Assert.Equal(RunStop.Halt, m.Run(100).Stop);
        Assert.Equal(0UL, m.Cpu.GetGpr(Gpr.Rbx));   // #DF's error code is zero
        Assert.Equal(1, m.Cpu.Events.Exceptions(ExceptionVector.DF));
        Assert.Equal(0, m.Cpu.Events.Exceptions(ExceptionVector.DE));
    }

    [Fact]
    public void AFaultDeliveringADoubleFaultIsATripleFault()
    {
        var m = WithTables(a => { a.xor(ecx, ecx); a.div(ecx); });
        Gate(m, 0, 0x190000, present: false);   // #DE -> #NP -> #DF, whose all-zero entry is no gate: #GP
        var r = m.Run(100);
        Assert.Equal(RunStop.TripleFault, r.Stop);
        var e = m.LastException!;
        Assert.Equal([ExceptionVector.DE, ExceptionVector.NP, ExceptionVector.GP], e.Chain);
        Assert.Equal(Code + 2, e.Rip);
        Assert.Equal(RunStop.TripleFault, m.Run(100).Stop);   // stays shut down
    }

    [Fact]
    public void IretqToAMorePrivilegedLevelIsGp()
    {
        var m = WithTables(a => { a.push(UData); a.push((int)UStack); a.pushfq(); a.push(KCode); a.push((int)Code); a.iretq(); });
        m.Cpu.Idtr = default;
        EnterUser(m, Code);
        m.Run(100);
        AssertFault(m, ExceptionVector.GP, KCode);
    }

    // ---- SYSCALL / SYSRET ----

    [Fact]
    public void SyscallEntersLstarAtCpl0AndSysretReturnsToCpl3()
    {
        const ulong user = 0x140000, kernel = 0x180000;
        var m = WithTables(a => { });
        m.Cpu.Efer |= 1;   // SCE
        m.Cpu.Star = ((ulong)0x18 << 48) | ((ulong)KCode << 32);
        m.Cpu.Lstar = kernel;
        m.Cpu.Fmask = (ulong)RFlags.IF;
        Place(m, user, a => { a.mov(eax, 39); a.syscall(); a.mov(rbx, rax); a.mov(r15, __qword_ptr[UStack - 8]); a.@int(0x81); });
        Place(m, kernel, a =>
        {
            a.mov(r8, rcx); a.mov(r9, r11);
            a.pushfq(); a.pop(r10);            // flags inside the kernel: IF masked
            a.mov(eax, 1234);
            a.sysretq();
        });
        Gate(m, 0x81, 0x190000, dpl: 3);
        Place(m, 0x190000, a => a.hlt());
        EnterUser(m, user);
        m.Cpu.Rflags = 0x202;
        Assert.Equal(RunStop.Halt, m.Run(100).Stop);
        Assert.Equal(user + 7, m.Cpu.GetGpr(Gpr.R8));        // RCX: the return address
        Assert.Equal(0x202UL, m.Cpu.GetGpr(Gpr.R9));         // R11: RFLAGS at the SYSCALL
        Assert.Equal(0UL, m.Cpu.GetGpr(Gpr.R10) & (ulong)RFlags.IF);
        Assert.Equal(1234UL, m.Cpu.GetGpr(Gpr.Rbx));         // back in user mode with the result
        Assert.Equal(1, m.Cpu.Events.Syscalls);
        Assert.Equal(1, m.Cpu.Events.SoftwareInterrupts);
    }

    [Fact]
    public void SyscallWithSceClearIsUd()
    {
        var m = Bare(a => { a.syscall(); a.hlt(); });
        m.Cpu.Efer &= ~1UL;
        m.Run(10);
        AssertFault(m, ExceptionVector.UD, null);
    }

    [Fact]
    public void SysretAtCpl3IsGp0()
    {
        var m = Bare(a => { a.sysretq(); });
        m.Cpu.Efer |= 1;
        m.Cpu.Cs = UCode;
        m.Run(10);
        AssertFault(m, ExceptionVector.GP, 0);
    }
}

/// <summary>The remaining system instructions' success paths and SDM faults.</summary>
public class SystemWordTests
{
    const ulong Code = 0x100000;

    static Machine Make(Action<Assembler> code)
    {
        var m = new Machine(4 << 20);
        GuestCode.Place(m, Code, code);
        m.Cpu.Rip = Code;
        m.Cpu.SetGpr(Gpr.Rsp, 0x20000);
        return m;
    }

    [Fact]
    public void SmswReadsCr0AndLmswLoadsItsLowBitsButCannotClearPe()
    {
        var m = Make(a =>
        {
            a.smsw(rax);                 // a 64-bit register receives all of CR0
            a.mov(ebx, 0xE);             // MP, EM, TS set; PE clear
            a.lmsw(bx);
            a.smsw(ecx);
            a.hlt();
        });
        Assert.Equal(RunStop.Halt, m.Run(10).Stop);
        Assert.Equal(0x8001_0031UL, m.Cpu.GetGpr(Gpr.Rax));   // PG WP NE ET PE: the loader's CR0
        Assert.Equal(0xFUL, m.Cpu.Cr0 & 0xF);                   // LMSW set MP/EM/TS and left PE set
        Assert.Equal(m.Cpu.Cr0 & 0xFFFF_FFFF, m.Cpu.GetGpr(Gpr.Rcx));
    }

    [Fact]
    public void SldtReadsWhatLldtLoaded()
    {
        var m = Make(a => { a.mov(eax, 0x28); a.lldt(ax); a.sldt(ebx); a.hlt(); });
        Assert.Equal(RunStop.Halt, m.Run(10).Stop);
        Assert.Equal(0x28UL, m.Cpu.GetGpr(Gpr.Rbx));
    }

    [Theory]
    [InlineData("lmsw")]
    [InlineData("lldt")]
    [InlineData("wbinvd")]
    [InlineData("invd")]
    [InlineData("invlpg")]
    [InlineData("swapgs")]
    [InlineData("rdmsr")]
    public void PrivilegedSystemInstructionsAtCpl3AreGp0(string which)
    {
        var m = Make(a =>
        {
            switch (which)
            {
                case "lmsw": a.lmsw(ax); break;
                case "lldt": a.lldt(ax); break;
                case "wbinvd": a.wbinvd(); break;
                case "invd": a.invd(); break;
                case "invlpg": a.invlpg(__[rax]); break;
                case "swapgs": a.swapgs(); break;
                case "rdmsr": a.rdmsr(); break;
            }
            a.nop();
        });
        m.Cpu.Cs = 0x2B;
        m.Run(2);
        Assert.Equal(ExceptionVector.GP, m.LastException?.Vector);
        Assert.Equal(0UL, m.LastException!.ErrorCode);
        Assert.Equal(Code, m.LastException.Rip);
    }

    [Fact]
    public void RdtscpReturnsTheTscAndTscAux()
    {
        var m = Make(a =>
        {
            a.mov(ecx, (uint)Msr.TscAux); a.mov(eax, 7); a.xor(edx, edx); a.wrmsr();
            a.rdtscp();
            a.hlt();
        });
        Assert.Equal(RunStop.Halt, m.Run(10).Stop);
        Assert.Equal(7UL, m.Cpu.GetGpr(Gpr.Rcx));
        Assert.Equal(4UL, m.Cpu.GetGpr(Gpr.Rax));   // four instructions retired before it
    }
}
