using Iced.Intel;
using VirtPS.Engine.Cpu;
using VirtPS.Engine.Memory;
using Xunit;
using static Iced.Intel.AssemblerRegisters;

namespace VirtPS.Tests.Cpu;

/// <summary>
/// The 4-level walk against the Intel SDM Vol. 3A, chapter 4: permissions (4.6), the #PF error code (4.7),
/// accessed and dirty flags (4.8), large pages, and INVLPG (4.10). Tests replace the loader's 2 MiB mapping of
/// 0x400000-0x5FFFFF with a page table whose entries they control.
/// </summary>
public class PagingTests
{
    const ulong Code = 0x100000, Pt = 0x300000, Window = 0x400000, Stack = 0x20000;
    const ulong P = PageWalker.Present, W = PageWalker.Writable, U = PageWalker.UserBit, NX = PageWalker.NoExecuteBit;

    static Machine Make(Action<Assembler> code, Action<Machine>? setup = null)
    {
        var m = new Machine(16UL << 20);
        GuestCode.Place(m, Code, code);
        // PD entry 2 (0x400000) -> our page table; its 512 entries start not present.
        Put(m, BootPageTables.FirstPd + 2 * 8, Pt | P | W | U);
        setup?.Invoke(m);
        m.Cpu.Rip = Code;
        m.Cpu.SetGpr(Gpr.Rsp, Stack);
        return m;
    }

    static void Put(Machine m, ulong at, ulong v) => GuestCode.Put(m, at, v);
    static ulong Get(Machine m, ulong at) => GuestCode.Get(m, at);

    /// <summary>Maps the window's page <paramref name="page"/> to physical frame <paramref name="frame"/>.</summary>
    static void Map(Machine m, int page, ulong frame, ulong flags) => Put(m, Pt + (ulong)page * 8, frame | flags);

    static void User(Machine m) => m.Cpu.Cs = 0x2B;

    static ulong FaultCode(Machine m)
    {
        Assert.Equal(ExceptionVector.PF, m.LastException?.Vector);
        return m.LastException!.ErrorCode!.Value;
    }

    [Fact]
    public void MappedPagesTranslateAndSetAccessedThenDirty()
    {
        var m = Make(a =>
        {
            a.mov(rsi, Window + 0x1008);
            a.mov(rax, __qword_ptr[rsi]);
            a.hlt();
        }, m => { Map(m, 1, 0x700000, P | W); Put(m, 0x700008, 0x1234); });
        Assert.Equal(RunStop.Halt, m.Run(10).Stop);
        Assert.Equal(0x1234UL, m.Cpu.GetGpr(Gpr.Rax));
        ulong pte = Get(m, Pt + 8);
        Assert.NotEqual(0UL, pte & PageWalker.Accessed);
        Assert.Equal(0UL, pte & PageWalker.Dirty);             // a read does not dirty

        var w = Make(a => { a.mov(rsi, Window + 0x1008); a.mov(__qword_ptr[rsi], rsi); a.hlt(); },
            m => Map(m, 1, 0x700000, P | W));
        Assert.Equal(RunStop.Halt, w.Run(10).Stop);
        Assert.NotEqual(0UL, Get(w, Pt + 8) & PageWalker.Dirty);
        Assert.Equal(Window + 0x1008, Get(w, 0x700008));
    }

    [Theory]
    [InlineData(false, false, 0x0UL)]   // supervisor read, not present
    [InlineData(true, false, 0x2UL)]    // supervisor write, not present
    [InlineData(false, true, 0x4UL)]    // user read, not present
    [InlineData(true, true, 0x6UL)]     // user write, not present
    public void NotPresentPagesFaultWithPClear(bool write, bool user, ulong expected)
    {
        var m = Make(a =>
        {
            a.mov(rsi, Window + 0x2010);
            if (write) a.mov(__qword_ptr[rsi], rax); else a.mov(rax, __qword_ptr[rsi]);
            a.hlt();
        });
        if (user) User(m);
        Assert.Equal(RunStop.Exception, m.Run(10).Stop);
        Assert.Equal(expected, FaultCode(m));
        Assert.Equal(Window + 0x2010, m.LastException!.FaultAddress);
    }

    /// <summary>A walk that faults has read every entry down to the one at fault (SDM Vol. 3A, 4.5): a PTE not present
    /// costs four references, a PDE not present three, a PDPTE two, a PML4E one; the processor counts what the walk made.</summary>
    [Theory]
    [InlineData(Window, 4)]
    [InlineData(0x1000000UL, 3)]         // PD entry 8: past the 16 MiB the loader maps
    [InlineData(0x60000000UL, 2)]        // PDPT entry 1: past the first GiB
    [InlineData(0x8000000000UL, 1)]      // PML4 entry 1
    public void AFaultingWalkCountsTheReferencesItMade(ulong address, int references)
    {
        var m = Make(a => a.hlt());
        var walk = PageWalker.Walk(m.Memory, address, AccessKind.Read, m.Cpu.PagingControls(), out var pf);
        Assert.Null(walk);
        Assert.Equal(references, pf.References);

        // The processor counts them too: against a walk that stops at the PML4E (one reference), the same program
        // makes references - 1 more.
        Assert.Equal(references - 1, FaultingLoadReferences(address) - FaultingLoadReferences(0x8000000000UL));
    }

    /// <summary>Walk references a bare machine counts running a load from <paramref name="address"/> that faults.</summary>
    static long FaultingLoadReferences(ulong address)
    {
        var m = Make(a => { a.mov(rsi, address); a.mov(rax, __qword_ptr[rsi]); a.hlt(); });
        m.Cpu.TlbModel = false;   // no walk caches: every walk starts at the root
        Assert.Equal(RunStop.Exception, m.Run(10).Stop);
        Assert.Equal(0x0UL, FaultCode(m));
        return m.Cpu.WalkReferences;
    }

    /// <summary>The example: a user write to a read-only page is #PF with error code 0x7.</summary>
    [Fact]
    public void UserWriteToAReadOnlyPageIsPf7()
    {
        var m = Make(a => { a.mov(rsi, Window); a.mov(__byte_ptr[rsi], 1); a.hlt(); }, m => Map(m, 0, 0x700000, P | U));
        User(m);
        m.Run(10);
        Assert.Equal(0x7UL, FaultCode(m));
    }

    [Fact]
    public void UserReadOfASupervisorPageIsPf5()
    {
        var m = Make(a => { a.mov(rsi, Window); a.mov(al, __byte_ptr[rsi]); a.hlt(); }, m => Map(m, 0, 0x700000, P | W));
        User(m);
        m.Run(10);
        Assert.Equal(0x5UL, FaultCode(m));
    }

    [Fact]
    public void SupervisorWriteToAReadOnlyPageDependsOnCr0Wp()
    {
        Action<Assembler> prog = a => { a.mov(rsi, Window); a.mov(__byte_ptr[rsi], 1); a.hlt(); };
        var wp = Make(prog, m => Map(m, 0, 0x700000, P));
        wp.Run(10);
        Assert.Equal(0x3UL, FaultCode(wp));

        var noWp = Make(prog, m => Map(m, 0, 0x700000, P));
        noWp.Cpu.Cr0 &= ~(1UL << 16);
        Assert.Equal(RunStop.Halt, noWp.Run(10).Stop);
        Assert.Equal(1, noWp.Memory.Read(0x700000, 1)[0]);
    }

    [Fact]
    public void FetchFromANoExecutePageIsPfWithId()
    {
        var m = Make(a => { a.mov(rax, Window); a.jmp(rax); }, m => { Map(m, 0, 0x700000, P | W | NX); m.Memory.Write(0x700000, [0xF4]); });
        m.Run(10);
        Assert.Equal(0x11UL, FaultCode(m));   // P | I/D
        Assert.Equal(Window, m.LastException!.Rip);
    }

    [Fact]
    public void ReservedBitsArePfWithRsvd()
    {
        var m = Make(a => { a.mov(rsi, Window); a.mov(al, __byte_ptr[rsi]); a.hlt(); }, m => Map(m, 0, 0x700000 | (1UL << 45), P | W));
        m.Run(10);
        Assert.Equal(0x9UL, FaultCode(m));    // P | RSVD
    }

    [Fact]
    public void TwoMegabyteAndOneGigabytePagesTranslate()
    {
        var m = Make(a =>
        {
            a.mov(rsi, 0x40_0000_0000UL + 0x12_3456); a.mov(al, __byte_ptr[rsi]);   // a 1 GiB page at 256 GiB
            a.mov(rdi, 0x80_0000_0000UL + 0x5_4321); a.mov(bl, __byte_ptr[rdi]);    // a 2 MiB page at 512 GiB
            a.hlt();
        }, m =>
        {
            // PML4[0] -> PDPT (loader's); PDPT[256] = 1 GiB page at physical 0 (only the low 16 MB exists).
            Put(m, BootPageTables.Pdpt + 256 * 8, 0 | P | W | PageWalker.PageSizeBit);
            // PML4[1] -> a new PDPT at 0x310000, whose entry 0 -> a PD at 0x311000 with a 2 MiB page at 0x600000.
            Put(m, BootPageTables.Pml4 + 8, 0x310000 | P | W);
            Put(m, 0x310000, 0x311000 | P | W);
            Put(m, 0x311000, 0x600000 | P | W | PageWalker.PageSizeBit);
            m.Memory.Write(0x12_3456, [0xAB]);
            m.Memory.Write(0x65_4321, [0xCD]);
        });
        Assert.Equal(RunStop.Halt, m.Run(10).Stop);
        Assert.Equal(0xABUL, m.Cpu.GetGpr(Gpr.Rax) & 0xFF);
        Assert.Equal(0xCDUL, m.Cpu.GetGpr(Gpr.Rbx) & 0xFF);
    }

    [Fact]
    public void InvlpgMakesAChangedPteTakeEffect()
    {
        var m = Make(a =>
        {
            a.mov(rsi, Window);
            a.mov(al, __byte_ptr[rsi]);                       // caches the old mapping
            a.mov(rdi, Pt); a.mov(rcx, 0x800000UL | P | W); a.mov(__qword_ptr[rdi], rcx);   // remap page 0
            a.invlpg(__[rsi]);
            a.mov(bl, __byte_ptr[rsi]);
            a.hlt();
        }, m => { Map(m, 0, 0x700000, P | W); m.Memory.Write(0x700000, [0x11]); m.Memory.Write(0x800000, [0x22]); });
        Assert.Equal(RunStop.Halt, m.Run(20).Stop);
        Assert.Equal(0x11UL, m.Cpu.GetGpr(Gpr.Rax) & 0xFF);
        Assert.Equal(0x22UL, m.Cpu.GetGpr(Gpr.Rbx) & 0xFF);
    }

    [Fact]
    public void APageFaultDeliveredThroughTheIdtLoadsCr2()
    {
        const ulong idt = 0x10000, gdt = 0x11000, handler = 0x180000;
        var m = Make(a => { a.mov(rsi, Window + 0x3333); a.mov(al, __byte_ptr[rsi]); a.hlt(); }, m =>
        {
            Put(m, gdt + 8, 0x00AF_9A00_0000_FFFF);
            GuestCode.Gate(m, idt, 14, handler);
            GuestCode.Place(m, handler, a => { a.mov(rbx, cr2); a.mov(rcx, __qword_ptr[rsp]); a.hlt(); });
        });
        m.Cpu.Gdtr = new TableRegister(gdt, 15);
        m.Cpu.Idtr = new TableRegister(idt, 0xFFF);
        Assert.Equal(RunStop.Halt, m.Run(20).Stop);
        Assert.Equal(Window + 0x3333, m.Cpu.GetGpr(Gpr.Rbx));
        Assert.Equal(0UL, m.Cpu.GetGpr(Gpr.Rcx));   // error code: supervisor read, not present
        Assert.Equal(1, m.Cpu.Events.PageFaults);
    }

    [Fact]
    public void CodeIsFoundByPhysicalFrameAfterTheMappingChanges()
    {
        // The same linear address runs different code once its page is remapped: decoded blocks are
        // reused only while they still map to the frame they were decoded from.
        var m = Make(a =>
        {
            a.mov(rsi, Window);
            a.call(rsi);                                       // 0x700000: mov eax, 1; ret
            a.mov(rbx, rax);
            a.mov(rdi, Pt); a.mov(rcx, 0x800000UL | P | W); a.mov(__qword_ptr[rdi], rcx);
            a.invlpg(__[rsi]);
            a.call(rsi);                                       // 0x800000: mov eax, 2; ret
            a.hlt();
        }, m =>
        {
            Map(m, 0, 0x700000, P | W);
            m.Memory.Write(0x700000, [0xB8, 1, 0, 0, 0, 0xC3]);
            m.Memory.Write(0x800000, [0xB8, 2, 0, 0, 0, 0xC3]);
        });
        Assert.Equal(RunStop.Halt, m.Run(50).Stop);
        Assert.Equal(1UL, m.Cpu.GetGpr(Gpr.Rbx));
        Assert.Equal(2UL, m.Cpu.GetGpr(Gpr.Rax));
    }
}
