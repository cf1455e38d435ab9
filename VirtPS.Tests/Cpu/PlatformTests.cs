using Iced.Intel;
using VirtPS.Engine.Cpu;
using Xunit;
using static Iced.Intel.AssemblerRegisters;

namespace VirtPS.Tests.Cpu;

/// <summary>Port IO (SDM Vol. 1, ch. 19), the 16550 UART (PC16550D data sheet) and the x2APIC timer (SDM Vol. 3A, 10.5.4, 10.12).</summary>
public class PlatformTests
{
    const ulong Code = 0x100000, Idt = 0x10000, Gdt = 0x11000, Tss = 0x12000, Handler = 0x180000, Stack = 0x20000;

    static Machine Make(Action<Assembler> code)
    {
        var m = new Machine(4 << 20);
        m.Memory.Write(Code, GuestCode.Assemble(Code, code));
        m.Cpu.Rip = Code;
        m.Cpu.SetGpr(Gpr.Rsp, Stack);
        return m;
    }

    static void Put(Machine m, ulong at, ulong v) => GuestCode.Put(m, at, v);

    /// <summary>GDT with kernel code, an IDT and a TSS whose IO bitmap (at offset 0x68) denies only port 0x81.</summary>
    static void Tables(Machine m)
    {
        Put(m, Gdt + 8, 0x00AF_9A00_0000_FFFF);
        const ulong limit = 0x68 + 0x2000;   // the bitmap covers all 64 Ki ports
        Put(m, Gdt + 0x10, (limit & 0xFFFF) | ((Tss & 0xFF_FFFF) << 16) | (0x89UL << 40) | ((limit >> 16) << 48));
        Put(m, Gdt + 0x18, 0);
        m.Memory.Write(Tss + 0x66, BitConverter.GetBytes((ushort)0x68));
        m.Memory.Write(Tss + 0x68 + 0x81 / 8, [(byte)(1 << (0x81 % 8))]);
        m.Cpu.Gdtr = new TableRegister(Gdt, 0x1F);
        m.Cpu.Idtr = new TableRegister(Idt, 0xFFF);
    }

    static void Gate(Machine m, int vector, ulong handler) => GuestCode.Gate(m, Idt, vector, handler);

    [Fact]
    public void OutToTheUartPrintsAndTheLineStatusSaysItCanTakeMore()
    {
        var m = Make(a =>
        {
            a.mov(dx, 0x3F8);
            a.mov(al, (byte)'O'); a.@out(dx, al);
            a.mov(al, (byte)'K'); a.@out(dx, al);
            a.mov(dx, 0x3FD); a.@in(al, dx);   // LSR
            a.hlt();
        });
        Assert.Equal(RunStop.Halt, m.Run(20).Stop);
        Assert.Equal("OK", m.Console.Output);
        Assert.Equal(0x60UL, m.Cpu.GetGpr(Gpr.Rax) & 0xFF);   // THRE | TEMT, no data ready
    }

    [Fact]
    public void TheUartHandsOverReceivedBytesAndSetsDataReady()
    {
        var m = Make(a =>
        {
            a.mov(dx, 0x3FD); a.@in(al, dx); a.mov(bl, al);
            a.mov(dx, 0x3F8); a.@in(al, dx); a.mov(cl, al);
            a.hlt();
        });
        m.Console.Receive("x"u8);
        m.Run(20);
        Assert.Equal(0x61UL, m.Cpu.GetGpr(Gpr.Rbx) & 0xFF);
        Assert.Equal((ulong)'x', m.Cpu.GetGpr(Gpr.Rcx) & 0xFF);
    }

    [Fact]
    public void RepOutsbWritesAStringToThePort()
    {
        var m = Make(a => { a.mov(esi, 0x5000); a.mov(ecx, 5); a.mov(dx, 0x3F8); a.rep.outsb(); a.hlt(); });
        m.Memory.Write(0x5000, "hello"u8.ToArray());
        Assert.Equal(RunStop.Halt, m.Run(100).Stop);
        Assert.Equal("hello", m.Console.Output);
        Assert.Equal(0x5005UL, m.Cpu.GetGpr(Gpr.Rsi));
    }

    [Fact]
    public void AnUnmappedPortReadsAllOnes()
    {
        var m = Make(a => { a.xor(eax, eax); a.@in(al, 0x80); a.mov(ebx, eax); a.@in(eax, 0x80); a.hlt(); });
        m.Run(20);
        Assert.Equal(0xFFUL, m.Cpu.GetGpr(Gpr.Rbx));
        Assert.Equal(0xFFFF_FFFFUL, m.Cpu.GetGpr(Gpr.Rax));
        Assert.Equal(2, m.Cpu.Ports.Accesses);
    }

    [Theory]
    [InlineData(0x80, true)]    // bitmap bit clear: allowed at CPL 3
    [InlineData(0x81, false)]   // bitmap bit set: #GP(0)
    public void UserPortAccessFollowsTheTssBitmap(int port, bool allowed)
    {
        var m = Make(a => { a.@in(al, (byte)port); a.nop(); });
        Tables(m);
        m.Cpu.Idtr = default;   // record the fault instead of delivering it
        m.Cpu.Tr = 0x10; m.Cpu.TrBase = Tss; m.Cpu.TrLimit = 0x68 + 0x2000;
        m.Cpu.Cs = 0x2B;
        var r = m.Run(2);
        if (allowed) Assert.Equal(2, r.Retired);
        else { Assert.Equal(ExceptionVector.GP, m.LastException!.Vector); Assert.Equal(0UL, m.LastException.ErrorCode); }
    }

    [Fact]
    public void UserPortAccessWithoutATssIsGp0()
    {
        var m = Make(a => { a.@in(al, 0x80); a.nop(); });
        m.Cpu.Cs = 0x2B;
        m.Run(2);
        Assert.Equal(ExceptionVector.GP, m.LastException!.Vector);
    }

    internal static Machine TimerGuest(uint initialCount, bool eoi = true, bool spin = false)
    {
        var m = Make(a =>
        {
            var wait = a.CreateLabel();
            // x2APIC on: IA32_APIC_BASE |= EXTD; software-enable; periodic timer on vector 0x20, divide by 1.
            a.mov(ecx, 0x1B); a.rdmsr(); a.or(eax, 1 << 10); a.wrmsr();
            a.mov(ecx, 0x80F); a.mov(eax, 0x1FF); a.xor(edx, edx); a.wrmsr();
            a.mov(ecx, 0x83E); a.mov(eax, 0xB); a.wrmsr();
            a.mov(ecx, 0x832); a.mov(eax, 0x2_0020); a.wrmsr();
            a.mov(ecx, 0x838); a.mov(eax, initialCount); a.wrmsr();
            a.xor(ebx, ebx);
            a.sti();
            a.Label(ref wait);
            if (spin) { a.jmp(wait); return; }   // never halts: only the budget ends the run
            a.hlt();
            a.cmp(rbx, 5);
            a.jb(wait);
            a.cli();
            a.hlt();
        });
        Tables(m);
        Gate(m, 0x20, Handler);
        m.Memory.Write(Handler, GuestCode.Assemble(Handler, a =>
        {
            a.inc(rbx);
            if (eoi) { a.push(rcx); a.push(rax); a.push(rdx); a.mov(ecx, 0x80B); a.xor(eax, eax); a.xor(edx, edx); a.wrmsr(); a.pop(rdx); a.pop(rax); a.pop(rcx); }
            a.iretq();
        }));
        return m;
    }

    [Fact]
    public void ThePeriodicTimerWakesHltFiveTimesThenTheGuestHalts()
    {
        var m = TimerGuest(1000);
        var r = m.Run(10_000);
        Assert.Equal(RunStop.Halt, r.Stop);
        Assert.Equal(5UL, m.Cpu.GetGpr(Gpr.Rbx));
        Assert.Equal(5, m.InterruptsDelivered);
        Assert.Equal(5, m.Cpu.Apic.TimerInterrupts);
        Assert.Equal(5, m.Cpu.Apic.Eois);
        Assert.Equal(5, m.Cpu.Events.Interrupts);
        Assert.True(m.Cpu.IdleTicks > 4 * 900, $"idle {m.Cpu.IdleTicks}");   // mostly waiting in HLT
    }

    [Fact]
    public void TimerInterruptsLandAtTheSameInstructionsEveryRun()
    {
        var a = TimerGuest(37); var b = TimerGuest(37);
        a.Run(10_000); b.Run(10_000);
        Assert.Equal(a.Cpu.Retired, b.Cpu.Retired);
        Assert.Equal(a.Cpu.Tsc, b.Cpu.Tsc);
        Assert.Equal(a.Cpu.IdleTicks, b.Cpu.IdleTicks);
    }

    [Fact]
    public void WithoutEoiTheInServiceVectorBlocksItsOwnClassAndHltStops()
    {
        // The first interrupt is never acknowledged, so the timer's later requests cannot be delivered
        // (same priority class in service): the HLT cannot be woken and the machine stops instead of hanging.
        var m = TimerGuest(100, eoi: false);
        var r = m.Run(100_000);
        Assert.Equal(RunStop.Halt, r.Stop);
        Assert.Equal(1UL, m.Cpu.GetGpr(Gpr.Rbx));
    }

    [Fact]
    public void AnInterruptStormIsBoundedByTheBudget()
    {
        var m = TimerGuest(1, spin: true);   // an interrupt every tick, a guest that never halts
        long total = 0;
        for (int k = 0; k < 100 && total < 50_000; k++) total += m.Run(50_000 - total).Retired;
        Assert.Equal(50_000, total);
        Assert.True(m.InterruptsDelivered > 1000);
    }

    [Fact]
    public void X2ApicRegistersNeedX2ApicMode()
    {
        var m = Make(a => { a.mov(ecx, 0x808); a.rdmsr(); a.hlt(); });
        m.Run(10);
        Assert.Equal(ExceptionVector.GP, m.LastException!.Vector);
    }

    [Fact]
    public void Cr8IsTheTprPriorityClass()
    {
        var m = Make(a =>
        {
            a.mov(ecx, 0x1B); a.rdmsr(); a.or(eax, 1 << 10); a.wrmsr();
            a.mov(eax, 9); a.mov(cr8, rax);
            a.mov(ecx, 0x808); a.rdmsr();
            a.hlt();
        });
        m.Run(20);
        Assert.Equal(0x90UL, m.Cpu.GetGpr(Gpr.Rax));
    }
}

public class TraceTests
{
    [Fact]
    public void TheTimerGuestTracesFiveInterruptsThenAHalt()
    {
        var m = PlatformTests.TimerGuest(1000);
        var events = new List<VirtPS.Engine.Trace.TraceEvent>();
        m.Cpu.Tracer = events.Add;
        Assert.Equal(RunStop.Halt, m.Run(10_000).Stop);
        Assert.Equal(5, events.Count(e => e.Kind == VirtPS.Engine.Trace.TraceKind.Interrupt));
        Assert.All(events.Where(e => e.Kind == VirtPS.Engine.Trace.TraceKind.Interrupt), e => Assert.Equal(0x20, e.Vector));
        Assert.Equal(VirtPS.Engine.Trace.TraceKind.Halt, events[^1].Kind);
        Assert.True(events.Select(e => e.Instruction).SequenceEqual(events.Select(e => e.Instruction).Order()));
    }

    [Fact]
    public void RunCanStopRightAfterAnInterruptAndContinue()
    {
        var m = PlatformTests.TimerGuest(1000);
        var r = m.Run(10_000, VirtPS.Engine.Trace.TraceKind.Interrupt);
        Assert.Equal(RunStop.Event, r.Stop);
        Assert.Equal(VirtPS.Engine.Trace.TraceKind.Interrupt, m.Cpu.StoppedOn);
        Assert.Equal(0x180000UL, m.Cpu.Rip);   // at the handler's first instruction
        Assert.Equal(RunStop.Halt, m.Run(10_000).Stop);
        Assert.Equal(5UL, m.Cpu.GetGpr(Gpr.Rbx));
    }
}
