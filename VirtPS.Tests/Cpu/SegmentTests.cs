using Iced.Intel;
using VirtPS.Engine.Cpu;
using VirtPS.Engine.Guests;
using Xunit;
using static Iced.Intel.AssemblerRegisters;

namespace VirtPS.Tests.Cpu;

/// <summary>Segment loads, far transfers and descriptor probes in 64-bit mode (Intel SDM Vol. 3A ch. 3, 5; Vol. 2 MOV, LAR, LSL, VERR/VERW).</summary>
public class SegmentTests
{
    const ulong Code = 0x100000, Gdt = 0x10000, Stack = 0x20000;
    const ushort KCode = 0x08, KData = 0x10, UData = 0x23, UCode = 0x2B, FsData = 0x30, Absent = 0x38, KCode2 = 0x40;

    static Machine Make(Action<Assembler> code)
    {
        var m = new Machine(4 << 20);
        GuestCode.Place(m, Code, code);
        ulong[] gdt =
        [
            0,
            0x00AF_9A00_0000_FFFF,   // 0x08 kernel code
            0x00CF_9200_0000_FFFF,   // 0x10 kernel data
            0x00CF_FA00_0000_FFFF,   // 0x18 user code 32
            0x00CF_F200_0000_FFFF,   // 0x20 user data
            0x00AF_FA00_0000_FFFF,   // 0x28 user code 64
            0x12CF_F234_5678_FFFF,   // 0x30 user data with base 0x12345678
            0x00CF_1200_0000_FFFF,   // 0x38 data, not present
            0x00AF_9A00_0000_FFFF,   // 0x40 another kernel code segment
        ];
        for (int k = 0; k < gdt.Length; k++) m.Memory.Write(Gdt + 8 * (ulong)k, BitConverter.GetBytes(gdt[k]));
        m.Cpu.Gdtr = new TableRegister(Gdt, (ushort)(gdt.Length * 8 - 1));
        m.Cpu.Rip = Code;
        m.Cpu.SetGpr(Gpr.Rsp, Stack);
        return m;
    }

    [Fact]
    public void MovToDsAndFsLoadsSelectorsAndFsBase()
    {
        var m = Make(a => { a.mov(eax, KData); a.mov(ds, ax); a.mov(eax, FsData); a.mov(fs, ax); a.mov(ebx, fs); a.hlt(); });
        Assert.Equal(RunStop.Halt, m.Run(10).Stop);
        Assert.Equal(KData, m.Cpu.Ds);
        Assert.Equal(FsData, m.Cpu.Fs);
        Assert.Equal(0x12345678UL, m.Cpu.FsBase);
        Assert.Equal((ulong)FsData, m.Cpu.GetGpr(Gpr.Rbx));
    }

    [Theory]
    [InlineData(0x48, ExceptionVector.GP, 0x48UL)]    // beyond the GDT limit
    [InlineData(Absent, ExceptionVector.NP, (ulong)Absent)]
    [InlineData(KData | 4, ExceptionVector.GP, (ulong)(KData | 4))]   // LDT selectors are not modeled: #GP, error code keeps TI
    public void BadDataSegmentLoadsFault(int sel, ExceptionVector v, ulong code)
    {
        var m = Make(a => { a.mov(eax, sel); a.mov(es, ax); a.hlt(); });
        m.Run(10);
        Assert.Equal(v, m.LastException!.Vector);
        Assert.Equal(code, m.LastException.ErrorCode);
    }

    [Fact]
    public void UserCannotLoadAKernelDataSegment()
    {
        var m = Make(a => { a.mov(eax, KData | 3); a.mov(ds, ax); a.nop(); });
        m.Cpu.Cs = UCode;
        m.Run(10);
        Assert.Equal(ExceptionVector.GP, m.LastException!.Vector);
        Assert.Equal((ulong)KData, m.LastException.ErrorCode);
    }

    [Fact]
    public void SsMustBeWritableDataAtCpl()
    {
        var m = Make(a => { a.mov(eax, KCode); a.mov(ss, ax); a.hlt(); });
        m.Run(10);
        Assert.Equal(ExceptionVector.GP, m.LastException!.Vector);
        Assert.Equal((ulong)KCode, m.LastException.ErrorCode);
    }

    [Fact]
    public void PushAndPopGs()
    {
        var m = Make(a => { a.mov(eax, FsData); a.mov(gs, ax); a.push(gs); a.xor(eax, eax); a.mov(gs, ax); a.pop(gs); a.pop(rbx); a.hlt(); });
        m.Memory.Write(Stack - 16, BitConverter.GetBytes(0x77UL));   // what the extra pop reads
        Assert.Equal(RunStop.Halt, m.Run(20).Stop);
        Assert.Equal(FsData, m.Cpu.Gs);
        Assert.Equal(0x12345678UL, m.Cpu.GsBase);
    }

    [Fact]
    public void FarJmpAndCallThroughACodeSegmentAndRetfqBack()
    {
        var m = Make(a =>
        {
            var target = a.CreateLabel(); var after = a.CreateLabel();
            a.mov(rax, 0x6000UL);
            a.lea(rcx, __[target]); a.mov(__qword_ptr[rax], rcx); a.mov(__word_ptr[rax + 8], KCode2);
            a.db(0x48, 0xFF, 0x18);             // call far [rax]: REX.W FF /3, m16:64
            a.Label(ref after);
            a.mov(rdx, 2);
            a.hlt();
            a.Label(ref target);
            a.mov(rbx, cs);
            a.db(0x48, 0xCB);                   // retfq
        });
        var r = m.Run(20);
        Assert.Equal(RunStop.Halt, r.Stop);
        Assert.Equal((ulong)KCode2, m.Cpu.GetGpr(Gpr.Rbx));   // the far call loaded CS
        Assert.Equal(KCode, m.Cpu.Cs);                        // RETFQ popped the old CS
        Assert.Equal(2UL, m.Cpu.GetGpr(Gpr.Rdx));
        Assert.Equal(Stack, m.Cpu.GetGpr(Gpr.Rsp));
    }

    [Fact]
    public void AFarJumpToADataSegmentIsGp()
    {
        var m = Make(a => { a.mov(rax, 0x6000UL); a.mov(__qword_ptr[rax], 0); a.mov(__word_ptr[rax + 8], KData); a.db(0x48, 0xFF, 0x28); });   // jmp far [rax]
        m.Run(10);
        Assert.Equal(ExceptionVector.GP, m.LastException!.Vector);
        Assert.Equal((ulong)KData, m.LastException.ErrorCode);
    }

    /// <summary>The probes do not fault: they answer in ZF, from CPL 3 as well (sensitive, unprivileged).</summary>
    [Fact]
    public void LarLslVerrVerwProbeWithoutFaulting()
    {
        var m = Make(a =>
        {
            a.mov(ecx, UData); a.lar(eax, ecx); a.setz(r8b);             // visible user data: ZF=1
            a.lsl(ebx, ecx); a.setz(r9b);                                // limit 0xFFFFF pages -> 0xFFFFFFFF
            a.mov(ecx, KData); a.lar(edx, ecx); a.setz(r10b);            // kernel data from CPL 3: ZF=0
            a.mov(ecx, UCode); a.verr(cx); a.setz(r11b);                 // readable code: 1
            a.verw(cx); a.setz(r12b);                                    // code is never writable: 0
            a.mov(ecx, UData); a.verw(cx); a.setz(r13b);                 // writable data: 1
            a.nop();
        });
        m.Cpu.Cs = UCode;
        Assert.Equal(17, m.Run(17).Retired);
        Assert.Null(m.LastException);
        Assert.Equal(1UL, m.Cpu.GetGpr(Gpr.R8));
        Assert.Equal(0x00C0_F200UL, m.Cpu.GetGpr(Gpr.Rax));   // second dword AND 00F0FF00h: limit[19:16] cleared
        Assert.Equal(1UL, m.Cpu.GetGpr(Gpr.R9));
        Assert.Equal(0xFFFF_FFFFUL, m.Cpu.GetGpr(Gpr.Rbx));
        Assert.Equal(0UL, m.Cpu.GetGpr(Gpr.R10));
        Assert.Equal(1UL, m.Cpu.GetGpr(Gpr.R11));
        Assert.Equal(0UL, m.Cpu.GetGpr(Gpr.R12));
        Assert.Equal(1UL, m.Cpu.GetGpr(Gpr.R13));
    }

    [Fact]
    public void InvpcidChecksItsType()
    {
        var m = Make(a => { a.mov(eax, 4); a.mov(edi, 0x6000); a.invpcid(rax, __[rdi]); a.hlt(); });
        m.Run(10);
        Assert.Equal(ExceptionVector.GP, m.LastException!.Vector);
        var ok = Make(a => { a.mov(eax, 2); a.mov(edi, 0x6000); a.invpcid(rax, __[rdi]); a.hlt(); });
        Assert.Equal(RunStop.Halt, ok.Run(10).Stop);
    }

    [Fact]
    public void TheLoaderPassesBootInformationInRsi()
    {
        var g = Guest.Create("boot", VirtualizationStyle.Native, 8, [0xF4], commandLine: "console=ttyS0 quiet");
        var m = g.Machine;
        ulong rsi = m.Cpu.GetGpr(Gpr.Rsi);
        Assert.Equal(BootInfo.Address, rsi);
        var block = m.Memory.Read(rsi, 0x20);
        Assert.Equal("VPSB", System.Text.Encoding.ASCII.GetString(block, 0, 4));
        Assert.Equal(8UL << 20, BitConverter.ToUInt64(block, 8));
        ulong cmd = BitConverter.ToUInt64(block, 0x10), len = BitConverter.ToUInt64(block, 0x18);
        Assert.Equal("console=ttyS0 quiet", System.Text.Encoding.ASCII.GetString(m.Memory.Read(cmd, (int)len)));
    }

    [Fact]
    public void AnImageOverTheLoaderDataIsRefused()
    {
        var e = Assert.Throws<VirtPS.Engine.VirtPSException>(() => Guest.Create("low", VirtualizationStyle.Native, 8, new byte[16], loadAddress: 0x8000));
        Assert.Equal("ImageOverlapsLoaderData", e.ErrorId);
    }
}
