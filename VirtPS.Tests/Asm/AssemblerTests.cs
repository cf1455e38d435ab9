using VirtPS.Engine.Asm;
using Xunit;

namespace VirtPS.Tests.Asm;

/// <summary>Directives, expressions, symbols, listing and entry point of the assembler.</summary>
public class AssemblerTests
{
    static string Hex(string source, ulong origin = 0) => AsmTestSupport.Hex(Assembler.Assemble(source, origin: origin).Bytes);

    [Theory]
    [InlineData("dq 0x10", 0x10)]
    [InlineData("dq 10h", 0x10)]
    [InlineData("dq 0ffh", 0xff)]
    [InlineData("dq 0b101", 5)]
    [InlineData("dq 101b", 5)]
    [InlineData("dq 777o", 511)]
    [InlineData("dq 777q", 511)]
    [InlineData("dq 0o17", 15)]
    [InlineData("dq 1_000", 1000)]
    [InlineData("dq 0x_ff_ff", 0xffff)]
    [InlineData("dq 0d99", 99)]
    [InlineData("dq $1f", 0x1f)]
    [InlineData("dq 'a'", 0x61)]
    [InlineData("dq 'ab'", 0x6261)]
    [InlineData("dq -1", -1)]
    [InlineData("dq 1 + 2 * 3", 7)]
    [InlineData("dq (1 + 2) * 3", 9)]
    [InlineData("dq 1 << 4 | 1", 17)]
    [InlineData("dq 0xf0 & 0x3c ^ 1", 0x31)]
    [InlineData("dq ~0", -1)]
    [InlineData("dq -7 / 2", 0x7ffffffffffffffc)]
    [InlineData("dq -7 // 2", -3)]
    [InlineData("dq -7 %% 2", -1)]
    [InlineData("dq 7 % 4", 3)]
    [InlineData("dq -(2 + 3)", -5)]
    [InlineData("dq 1 << 63 >> 63", 1)]
    public void Expressions_AndNumberForms(string line, long expected) =>
        Assert.Equal(AsmTestSupport.Hex(BitConverter.GetBytes(expected)), Hex(line));

    [Fact]
    public void Defines_AreUsableInExpressions()
    {
        var p = Assembler.Assemble("mov ecx, ITER * 2\ndd ITER", new Dictionary<string, long> { ["ITER"] = 100 });
        Assert.Equal("b9c8000000" + "64000000", AsmTestSupport.Hex(p.Bytes));
    }

    [Fact]
    public void Data_StringsAndLists()
    {
        Assert.Equal("6869000a", Hex("db 'hi', 0, 10"));
        Assert.Equal("610062630000", Hex("dw 'a', 'bc', 0"));
        Assert.Equal("61626300", Hex("dd 'abc'"));
        Assert.Equal("090a5c41", Hex(@"db `\t\n\\\x41`"));
        Assert.Equal("2722", Hex("db \"'\", '\"'"));
    }

    [Fact]
    public void Dollar_And_DollarDollar_AreAddresses()
    {
        var p = Assembler.Assemble("nop\nnop\nhere: dq $, $$, here - $$", origin: 0x400000);
        Assert.Equal(0x400002UL, p.Symbols["here"]);
        Assert.Equal(AsmTestSupport.Hex([.. BitConverter.GetBytes(0x400002L), .. BitConverter.GetBytes(0x400000L), .. BitConverter.GetBytes(2L)]),
            AsmTestSupport.Hex(p.Bytes[2..]));
    }

    [Fact]
    public void LocalLabels_AttachToThePreviousGlobalLabel()
    {
        var p = Assembler.Assemble("a:\n.x: nop\nb:\n.x: nop\n jmp a.x\n jmp .x", origin: 0);
        Assert.Equal(0UL, p.Symbols["a.x"]);
        Assert.Equal(1UL, p.Symbols["b.x"]);
        Assert.Equal("9090ebfcebfb", AsmTestSupport.Hex(p.Bytes));
    }

    [Fact]
    public void Equ_CanBeForwardReferenced()
    {
        Assert.Equal("b805000000", Hex("mov eax, LATER\nLATER equ 5"));
        Assert.Equal("83c005", Hex("add eax, LATER\nLATER equ 5"));
    }

    [Fact]
    public void EntryPoint_IsStartLabel_OrOrigin()
    {
        Assert.Equal(0x100000UL, Assembler.Assemble("nop").EntryPoint);
        Assert.Equal(0x100001UL, Assembler.Assemble("nop\n_start: hlt").EntryPoint);
        Assert.Equal(0x100002UL, Assembler.Assemble("nop\nnop\nstart: hlt").EntryPoint);
        Assert.Equal(0x100000UL, Assembler.Assemble("nop").Origin);
    }

    [Fact]
    public void Listing_HasOneLinePerByteProducingSourceLine()
    {
        var p = Assembler.Assemble("bits 64 ; mode\n\nstart:\n  mov eax, 1 ; one\n  ret\nX equ 3\n  times 2 db X\n");
        Assert.Collection(p.Listing,
            l => { Assert.Equal(4, l.Line); Assert.Equal(0x100000UL, l.Address); Assert.Equal("b801000000", AsmTestSupport.Hex(l.Bytes)); Assert.Equal("  mov eax, 1 ; one", l.Source); },
            l => { Assert.Equal(5, l.Line); Assert.Equal(0x100005UL, l.Address); Assert.Equal("c3", AsmTestSupport.Hex(l.Bytes)); },
            l => { Assert.Equal(7, l.Line); Assert.Equal("0303", AsmTestSupport.Hex(l.Bytes)); });
    }

    [Fact]
    public void Align_PadsWithNopsOrTheGivenFill()
    {
        Assert.Equal("c3909090", Hex("ret\nalign 4"));
        Assert.Equal("c3000000", Hex("ret\nalign 4, db 0"));
        Assert.Equal("c3000000", Hex("ret\nalignb 4"));
        Assert.Equal("c3", Hex("ret\nalign 1"));
    }

    [Fact]
    public void DefaultRel_MakesLabelAddressesRipRelative()
    {
        Assert.Equal("8b0500000000", Hex("default rel\nmov eax, [x]\nx:"));
        Assert.Equal("8b0425" + "07000000", Hex("mov eax, [x]\nx:"));
        Assert.Equal("8b0425" + "07000000", Hex("default rel\nmov eax, [abs x]\nx:"));
        Assert.Equal("648b0425" + "08000000", Hex("default rel\nmov eax, [fs:x]\nx:"));
    }

    [Fact]
    public void OrgAndBracketedDirectives()
    {
        var p = Assembler.Assemble("[bits 64]\n[org 0x7c00]\nx: jmp x", origin: 0);
        Assert.Equal(0x7c00UL, p.Origin);
        Assert.Equal("ebfe", AsmTestSupport.Hex(p.Bytes));
    }

    [Fact]
    public void LabelWithoutColon_BeforeData()
    {
        var p = Assembler.Assemble("msg db 'ok'\nlen equ $ - msg\nmov eax, len", origin: 0);
        Assert.Equal(2UL, p.Symbols["len"]);
        Assert.Equal("6f6bb802000000", AsmTestSupport.Hex(p.Bytes));
    }

    [Fact]
    public void Symbols_IncludeLabelsAndEqus()
    {
        // Like NASM, an equ does not open a new local-label scope: .c belongs to a.
        var p = Assembler.Assemble("a: nop\nb equ 42\n.c: ret");
        Assert.Equal(0x100000UL, p.Symbols["a"]);
        Assert.Equal(42UL, p.Symbols["b"]);
        Assert.Equal(0x100001UL, p.Symbols["a.c"]);
    }

    [Fact]
    public void CaseInsensitiveMnemonicsAndRegisters() =>
        Assert.Equal("4801c8", Hex("ADD RAX, RCX"));

    [Fact]
    public void SizedImmediates()
    {
        Assert.Equal("666a01", Hex("push word 1"));
        Assert.Equal("830001", Hex("add [rax], dword 1"));
        Assert.Equal("0501000000", Hex("add eax, strict dword 1"));
        Assert.Equal("81c301000000", Hex("add ebx, strict dword 1"));
    }
}
