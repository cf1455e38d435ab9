using Iced.Intel;
using VirtPS.Engine.Cpu;
using Xunit;
using static Iced.Intel.AssemblerRegisters;

namespace VirtPS.Tests.Cpu;

/// <summary>The machine's guarantees: exact retirement counts, precise faults as guest events, self-modifying
/// code, sparse memory, bounded host work. Test code is built with Iced's own assembler, not ours.</summary>
public class MachineTests
{
    const ulong Load = GuestCode.Load;

    static Machine Boot(Action<Assembler> code, ulong memory = 4UL << 20) => GuestCode.Boot(code, memory);

    /// <summary>The shared benchmark's loop (../shared/bench/loop.asm), checked against the final state its
    /// header gives for ITER=1000000: 5 + 9*ITER instructions, rax=1, rdx=0x029d32a06ac144b2.</summary>
    [Fact]
    public void BenchLoopMatchesPublishedFinalState()
    {
        var m = Boot(a =>
        {
            var l = a.CreateLabel();
            a.mov(edi, 0x200000);   // the 4 KiB buffer (loop.asm keeps it after the code; any zeroed page will do)
            a.mov(ecx, 1_000_000);
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
        });
        long total = 0;
        RunResult r;
        do { r = m.Run(long.MaxValue); total += r.Retired; } while (r.Stop == RunStop.Budget);
        Assert.Equal(RunStop.Halt, r.Stop);
        Assert.Equal(5 + 9 * 1_000_000L, total);
        Assert.Equal(1UL, m.Cpu.GetGpr(Gpr.Rax));
        Assert.Equal(0x029d32a06ac144b2UL, m.Cpu.GetGpr(Gpr.Rdx));
    }

    [Fact]
    public void BudgetStopsExactlyAndResumesToTheSameState()
    {
        Action<Assembler> prog = a =>
        {
            var l = a.CreateLabel();
            a.mov(ecx, 1000);
            a.xor(eax, eax);
            a.Label(ref l);
            a.add(rax, rcx);
            a.imul(rax, rax, 3);
            a.loop(l);
            a.hlt();
        };
        var whole = Boot(prog);
        var r = whole.Run(long.MaxValue);
        Assert.Equal(RunStop.Halt, r.Stop);
        Assert.Equal(2 + 3 * 1000 + 1, r.Retired);

        var stepped = Boot(prog);
        long total = 0;
        RunResult s;
        do { s = stepped.Run(7); Assert.True(s.Retired <= 7); total += s.Retired; } while (s.Stop == RunStop.Budget);
        Assert.Equal(r.Retired, total);
        Assert.Equal(whole.Cpu.GetGpr(Gpr.Rax), stepped.Cpu.GetGpr(Gpr.Rax));
        Assert.Equal(whole.Cpu.Rip, stepped.Cpu.Rip);
    }

    [Fact]
    public void HltLeavesRipAfterItself()
    {
        var m = Boot(a => { a.nop(); a.hlt(); });
        var r = m.Run(100);
        Assert.Equal(RunStop.Halt, r.Stop);
        Assert.Equal(2, r.Retired);
        Assert.Equal(Load + 2, m.Cpu.Rip);
        Assert.True(m.Halted);
    }

    [Fact]
    public void SelfModifyingCodeInTheSameBlockRunsTheNewBytes()
    {
        // mov byte [rip+X], 7 rewrites the immediate of a later "mov eax, imm32" in the same block.
        var m = Boot(a =>
        {
            var target = a.CreateLabel();
            a.lea(rsi, __[target]);
            a.mov(__byte_ptr[rsi + 1], 7);   // B8 imm32: the immediate starts one byte in
            a.Label(ref target);
            a.mov(eax, 1);
            a.hlt();
        });
        var r = m.Run(100);
        Assert.Equal(RunStop.Halt, r.Stop);
        Assert.Equal(7UL, m.Cpu.GetGpr(Gpr.Rax));
    }

    [Fact]
    public void SelfModifyingCodeInvalidatesAnAlreadyDecodedBlock()
    {
        // Run a subroutine once, patch its immediate, run it again: the second call must see the patch.
        var m = Boot(a =>
        {
            var sub = a.CreateLabel();
            a.call(sub);
            a.mov(rbx, rax);
            a.lea(rsi, __[sub]);
            a.mov(__byte_ptr[rsi + 1], 42);
            a.call(sub);
            a.hlt();
            a.Label(ref sub);
            a.mov(eax, 5);
            a.ret();
        });
        var r = m.Run(100);
        Assert.Equal(RunStop.Halt, r.Stop);
        Assert.Equal(5UL, m.Cpu.GetGpr(Gpr.Rbx));
        Assert.Equal(42UL, m.Cpu.GetGpr(Gpr.Rax));
        Assert.True(m.DecodeInvalidations >= 1);
    }

    [Fact]
    public void InvalidBytesRaiseUdWithAddressAndBytes()
    {
        var m = new Machine(1 << 20);
        m.Memory.Write(0x1000, new byte[] { 0x90, 0x0F, 0x0B });   // nop; ud2
        m.Cpu.Rip = 0x1000;
        var r = m.Run(10);
        Assert.Equal(RunStop.Exception, r.Stop);
        Assert.Equal(1, r.Retired);
        Assert.Equal(ExceptionVector.UD, m.LastException!.Vector);
        Assert.Equal(0x1001UL, m.LastException.Rip);
        Assert.Equal(new byte[] { 0x0F, 0x0B }, m.LastException.Bytes);
        Assert.Equal(0x1001UL, m.Cpu.Rip);
    }

    [Fact]
    public void AnInstructionOutsideTheIsaRaisesUd()
    {
        var m = Boot(a => { a.addps(xmm0, xmm1); a.hlt(); });
        var r = m.Run(10);
        Assert.Equal(RunStop.Exception, r.Stop);
        Assert.Equal(ExceptionVector.UD, m.LastException!.Vector);
        Assert.Equal(Load, m.LastException.Rip);
        Assert.Equal(new byte[] { 0x0F, 0x58, 0xC1 }, m.LastException.Bytes);
    }

    /// <summary>FNINIT (which mingw-w64's C start-up runs) retires; with CR0.TS set it is #NM, as the SDM says. No x87
    /// state is modelled, so there is nothing else to see.</summary>
    [Fact]
    public void FninitRetiresAndIsDeviceNotAvailableUnderCr0Ts()
    {
        var m = Boot(a => { a.fninit(); a.mov(rax, 42); a.hlt(); });
        Assert.Equal(RunStop.Halt, m.Run(10).Stop);
        Assert.Equal(42UL, m.Cpu.GetGpr(Gpr.Rax));
        var t = Boot(a => { a.mov(rax, cr0); a.or(rax, 8); a.mov(cr0, rax); a.fninit(); a.hlt(); });
        Assert.Equal(RunStop.Exception, t.Run(10).Stop);
        Assert.Equal(ExceptionVector.NM, t.LastException!.Vector);
    }

    [Fact]
    public void WildAddressesFaultAsPageFaultsAndLeaveStateUntouched()
    {
        var m = Boot(a =>
        {
            a.mov(rax, 0x1234_5678_9000);
            a.mov(rbx, 99);
            a.mov(__qword_ptr[rax], rbx);
            a.hlt();
        });
        var r = m.Run(10);
        Assert.Equal(RunStop.Exception, r.Stop);
        Assert.Equal(2, r.Retired);
        var e = m.LastException!;
        Assert.Equal(ExceptionVector.PF, e.Vector);
        Assert.Equal(0x1234_5678_9000UL, e.FaultAddress);
        Assert.Equal(2UL, e.ErrorCode);   // not present, write, supervisor (SDM Vol. 3A, 4.7)
    }

    [Fact]
    public void NonCanonicalAddressesRaiseGp()
    {
        var m = Boot(a => { a.mov(rax, 0x8000_0000_0000_0000); a.mov(rbx, __qword_ptr[rax]); a.hlt(); });
        m.Run(10);
        Assert.Equal(ExceptionVector.GP, m.LastException!.Vector);
        Assert.Equal(0UL, m.LastException.ErrorCode);
    }

    [Fact]
    public void DivideByZeroRaisesDeAtTheDivide()
    {
        var m = Boot(a => { a.mov(eax, 10); a.xor(ecx, ecx); a.div(ecx); a.hlt(); });
        var r = m.Run(10);
        Assert.Equal(2, r.Retired);
        Assert.Equal(ExceptionVector.DE, m.LastException!.Vector);
        Assert.Equal(10UL, m.Cpu.GetGpr(Gpr.Rax));
    }

    [Fact]
    public void RunningOffTheEndOfMemoryIsAFetchPageFault()
    {
        var m = new Machine(1 << 20);
        m.Memory.Write((1 << 20) - 1, new byte[] { 0x90 });
        m.Cpu.Rip = (1 << 20) - 1;
        var r = m.Run(10);
        Assert.Equal(1, r.Retired);
        Assert.Equal(ExceptionVector.PF, m.LastException!.Vector);
        Assert.Equal(1UL << 20, m.LastException.FaultAddress);
        Assert.Equal(0x10UL, m.LastException.ErrorCode & 0x10);   // I/D: instruction fetch
    }

    [Fact]
    public void MemoryIsSparse()
    {
        var m = Boot(a =>
        {
            a.mov(rax, 0xF000_0000);
            a.mov(__qword_ptr[rax], rax);
            a.hlt();
        }, memory: 4UL << 30);
        Assert.Equal(RunStop.Halt, m.Run(10).Stop);
        // The code page, the touched data page and the loader's page tables (PML4, PDPT, four PDs).
        Assert.True(m.Memory.ResidentBytes <= 16 * 4096, $"resident {m.Memory.ResidentBytes}");
        Assert.Equal(0xF000_0000UL, BitConverter.ToUInt64(m.Memory.Read(0xF000_0000, 8)));
    }

    [Fact]
    public void EndlessLoopsReturnToTheCaller()
    {
        var m = Boot(a => { var l = a.CreateLabel(); a.Label(ref l); a.jmp(l); });
        // Run may hand control back early (bounded host work per call); the budget is never exceeded.
        long total = 0;
        for (int calls = 0; calls < 1000 && total < 1_000_000; calls++)
        {
            var r = m.Run(1_000_000 - total);
            Assert.Equal(RunStop.Budget, r.Stop);
            total += r.Retired;
        }
        Assert.Equal(1_000_000, total);
    }

    [Fact]
    public void AnEndlessRepStringReturnsToTheCallerWithoutRetiring()
    {
        // rep stosb with RCX = 2^64-1 over a small buffer walks into unmapped memory eventually, but long before
        // that the machine must hand control back; the instruction is restartable and has not retired.
        var m = Boot(a => { a.mov(rcx, -1L); a.mov(edi, 0x200000); a.rep.stosb(); a.hlt(); }, memory: 64UL << 20);
        var r = m.Run(long.MaxValue);
        Assert.Equal(RunStop.Budget, r.Stop);
        Assert.Equal(2, r.Retired);
        Assert.Equal(new byte[] { 0xF3, 0xAA }, m.Memory.Read(m.Cpu.Rip, 2));   // still at the rep stosb
        Assert.True(m.Cpu.GetGpr(Gpr.Rdi) > 0x1000);
    }

    /// <summary>Whatever the bytes, running them gives a guest event; never an engine error or a host exception.</summary>
    [Fact]
    public void RandomBytesNeverEscapeAsHostErrors()
    {
        var rng = new Random(12345);
        var internalErrors = new List<string>();
        for (int t = 0; t < 3000; t++)
        {
            var bytes = new byte[64];
            rng.NextBytes(bytes);
            var m = new Machine(1 << 20);
            m.Memory.Write(0x1000, bytes);
            m.Cpu.Rip = 0x1000;
            for (int g = 0; g < 16; g++) m.Cpu.SetGpr((Gpr)g, rng.Next(2) == 0 ? (ulong)rng.NextInt64() : (ulong)rng.Next(0x2000, 0x8000));
            var r = m.Run(200);
            if (m.LastException?.Vector == ExceptionVector.MC)
                internalErrors.Add($"{Convert.ToHexString(bytes)}: {m.LastException}");
        }
        Assert.True(internalErrors.Count == 0, string.Join("\n", internalErrors.Take(5)));
    }
}
