using VirtPS.Engine.Asm;
using Xunit;

namespace VirtPS.Tests.Asm;

public class DisassemblerTests
{
    static IReadOnlyList<DisassembledInstruction> RoundTrip(string source, ulong origin = 0x100000)
    {
        var p = Assembler.Assemble(source, origin: origin);
        return Disassembler.Disassemble(p.Bytes, p.Origin);
    }

    [Theory]
    [InlineData("mov eax, ebx", "mov eax, ebx")]
    [InlineData("add rax, rcx", "add rax, rcx")]
    [InlineData("mov ecx, 0x10", "mov ecx, 0x10")]
    [InlineData("xor rax, [rdi+rbx]", "xor rax, [rdi+rbx]")]
    [InlineData("lea rdx, [rdx+rax*2]", "lea rdx, [rdx+rax*2]")]
    [InlineData("mov qword [rax+8], -1", "mov qword [rax+0x8], 0xffffffffffffffff")]
    [InlineData("inc dword [rax]", "inc dword [rax]")]
    [InlineData("rep movsb", "rep movsb")]
    [InlineData("lock xadd [rax], ecx", "lock xadd [rax], ecx")]
    [InlineData("mov rax, cr3", "mov rax, cr3")]
    [InlineData("mov eax, [fs:0x10]", "mov eax, [fs:0x10]")]
    [InlineData("syscall", "syscall")]
    [InlineData("o64 sysret", "o64 sysret")]
    [InlineData("iretq", "iretq")]
    [InlineData("hlt", "hlt")]
    public void RoundTrip_ShowsMnemonicAndOperands(string source, string expected)
    {
        var d = Assert.Single(RoundTrip("bits 64\n" + source));
        Assert.Equal(expected, d.Text);
    }

    [Fact]
    public void RipRelative_ShowsTheAbsoluteTarget()
    {
        var d = RoundTrip("default rel\nlea rdi, [buf]\nbuf: dq 0", origin: 0x100000);
        Assert.Equal("lea rdi, [rel 0x100007]", d[0].Text);
    }

    [Fact]
    public void Branches_ShowTheTargetAddress()
    {
        var d = RoundTrip("top: nop\njnz top\ncall top\njmp top");
        Assert.Equal("jne 0x100000", d[1].Text);
        Assert.Equal("call 0x100000", d[2].Text);
        Assert.Equal("jmp 0x100000", d[3].Text);
        Assert.Equal(0x100001UL, d[1].Address);
        Assert.Equal("75fd", d[1].BytesHex);
    }

    [Fact]
    public void InvalidBytes_ShowAsBad_OneByteAtATime()
    {
        // 0x06 (push es) and 0x07 are invalid in 64-bit mode; then a valid nop; then a truncated instruction.
        var d = Disassembler.Disassemble(new byte[] { 0x06, 0x07, 0x90, 0x48, 0x8b }, 0x1000);
        Assert.Equal(["(bad)", "(bad)", "nop", "(bad)", "(bad)"], d.Select(x => x.Text));
        Assert.Equal([0x1000UL, 0x1001UL, 0x1002UL, 0x1003UL, 0x1004UL], d.Select(x => x.Address));
        Assert.All(d.Where(x => x.Text == "(bad)"), x => Assert.Single(x.Bytes));
    }

    [Fact]
    public void RandomBytes_NeverThrow_AndCoverEveryByte()
    {
        var rng = new Random(1234);
        for (int round = 0; round < 200; round++)
        {
            var bytes = new byte[rng.Next(1, 64)];
            rng.NextBytes(bytes);
            var d = Disassembler.Disassemble(bytes, 0xffff_ffff_ffff_fff0);
            Assert.Equal(bytes.Length, d.Sum(x => x.Bytes.Length));
            Assert.Equal(AsmTestSupport.Hex(bytes), string.Concat(d.Select(x => x.BytesHex)));
        }
    }

    [Fact]
    public void MaxCount_AndEmptyInput()
    {
        Assert.Empty(Disassembler.Disassemble([], 0));
        Assert.Equal(2, Disassembler.Disassemble(new byte[] { 0x90, 0x90, 0x90 }, 0, maxCount: 2).Count);
    }

    [Fact]
    public void LoopAsmLikeCode_RoundTripsThroughTheAssembler()
    {
        const string src = "bits 64\nadd rax, rcx\nmov rbx, rax\nshr rbx, 3\nand ebx, 0xff8\nmov [rdi+rbx], rax\ndec rcx\nhlt";
        var p = Assembler.Assemble(src);
        var text = string.Join("\n", Disassembler.Disassemble(p.Bytes, p.Origin).Select(d => d.Text));
        // What the disassembler prints assembles back to the same bytes.
        Assert.Equal(AsmTestSupport.Hex(p.Bytes), AsmTestSupport.Hex(Assembler.Assemble("bits 64\n" + text).Bytes));
    }
}
