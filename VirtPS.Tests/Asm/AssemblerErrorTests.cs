using VirtPS.Engine.Asm;
using Xunit;

namespace VirtPS.Tests.Asm;

/// <summary>Errors name the line and column of the token at fault and say what was expected.</summary>
public class AssemblerErrorTests
{
    static AssemblyException Fails(string source, IReadOnlyDictionary<string, long>? defines = null) =>
        Assert.Throws<AssemblyException>(() => Assembler.Assemble(source, defines));

    [Fact]
    public void UnknownMnemonic()
    {
        var e = Fails("nop\n  frobnicate eax, 1");
        Assert.Equal(2, e.Line);
        Assert.Equal(3, e.Column);
        Assert.Contains("unknown instruction 'frobnicate'", e.Detail);
        Assert.StartsWith("line 2, column 3: ", e.Message);
    }

    [Fact]
    public void InstructionInvalidIn64BitMode()
    {
        var e = Fails("into");
        Assert.Equal((1, 1), (e.Line, e.Column));
        Assert.Equal("'into' is not valid in 64-bit mode", e.Detail);
    }

    [Fact]
    public void BadOperandCombination()
    {
        var e = Fails("add byte [rax], rbx");
        Assert.Equal((1, 1), (e.Line, e.Column));
        Assert.Equal("no form of 'add' takes (byte memory, qword register)", e.Detail);
    }

    [Theory]
    [InlineData("mov eax, bx", "no form of 'mov' takes (dword register, word register)")]
    [InlineData("mov al, 300", "no form of 'mov' takes (byte register, immediate)")]
    [InlineData("ret eax", "no form of 'ret' takes (dword register)")]
    [InlineData("cpuid eax", "no form of 'cpuid' takes (dword register)")]
    [InlineData("mov cr0, eax", "no form of 'mov' takes (control register, dword register)")]
    [InlineData("movzx r8d, ah", "cannot encode 'movzx'")]
    public void OtherBadCombinations(string line, string expected) =>
        Assert.Contains(expected, Fails(line).Detail);

    [Fact]
    public void UndefinedSymbol()
    {
        var e = Fails("start:\n  mov eax, [rbx + nowhere*2]");
        Assert.Equal((2, 19), (e.Line, e.Column));
        Assert.Equal("undefined symbol 'nowhere'", e.Detail);
    }

    [Fact]
    public void UndefinedLocalLabel_IsReportedAsWritten()
    {
        var e = Fails("a:\n jmp .missing");
        Assert.Equal((2, 6), (e.Line, e.Column));
        Assert.Equal("undefined symbol '.missing'", e.Detail);
    }

    [Theory]
    [InlineData("mov eax, 0x1g", 10, "bad number '0x1g'")]
    [InlineData("dd 12abc", 4, "bad number '12abc'")]
    [InlineData("dq 99999999999999999999", 4, "bad number '99999999999999999999'")]
    [InlineData("db 0b102", 4, "bad number '0b102'")]
    public void BadNumber(string line, int column, string expected)
    {
        var e = Fails(line);
        Assert.Equal((1, column), (e.Line, e.Column));
        Assert.Equal(expected, e.Detail);
    }

    [Theory]
    [InlineData("inc [rax]", 5)]
    [InlineData("mov [rbx+8], 1", 5)]
    [InlineData("  add [rax], 1", 7)]
    [InlineData("movzx eax, [rax]", 12)]
    [InlineData("shl [rax], 1", 5)]
    public void OperandSizeNotSpecified(string line, int column)
    {
        var e = Fails(line);
        Assert.Equal((1, column), (e.Line, e.Column));
        Assert.Contains("operand size not specified", e.Detail);
    }

    [Fact]
    public void JumpTargetOutOfRange()
    {
        var e = Fails("top:\n  times 200 nop\n  loop top");
        Assert.Equal((3, 8), (e.Line, e.Column));
        Assert.Contains("jump target out of range", e.Detail);

        var s = Fails("jmp short there\ntimes 300 nop\nthere:");
        Assert.Equal((1, 11), (s.Line, s.Column));
        Assert.Contains("jump target out of range", s.Detail);
    }

    [Fact]
    public void DuplicateLabel()
    {
        var e = Fails("x: nop\ny: nop\n  x: ret");
        Assert.Equal((3, 3), (e.Line, e.Column));
        Assert.Equal("duplicate label 'x' (first defined on line 1)", e.Detail);
    }

    [Fact]
    public void DuplicateLocalLabel_UnderTheSameGlobal()
    {
        var e = Fails("a:\n.x: nop\n.x: nop");
        Assert.Equal((3, 1), (e.Line, e.Column));
        Assert.Contains("duplicate label '.x'", e.Detail);
        Assembler.Assemble("a:\n.x: nop\nb:\n.x: nop"); // different globals: fine
    }

    [Theory]
    [InlineData("mov eax, (1 + 2", 16, "expected ')'")]
    [InlineData("mov eax, [rax", 14, "expected ']'")]
    [InlineData("db 'abc", 4, "unterminated string")]
    [InlineData("mov eax, 1 2", 12, "expected ','")]
    [InlineData("mov eax, ,", 10, "expected an expression")]
    [InlineData("dd 1 / 0", 8, "division by zero")]
    [InlineData("mov eax, [rax*2+rbx*2]", 10, "only one register in an address can be scaled")]
    [InlineData("mov eax, [rax*3+rbx]", 10, "invalid scale 3")]
    [InlineData("mov eax, [rax*16]", 10, "invalid scale 16")]
    [InlineData("mov eax, [rax+rbx+rcx]", 10, "too many registers")]
    [InlineData("mov eax, [rax*rbx]", 14, "registers can only be multiplied by a constant")]
    [InlineData("bits 32", 6, "only 'bits 64' is supported")]
    [InlineData("align 3", 7, "power of two")]
    [InlineData("times -1 nop", 7, "times count is negative")]
    [InlineData("equ 5", 1, "'equ' needs a label")]
    [InlineData("mov eax, ebx + 1", 10, "undefined symbol 'ebx'")]
    [InlineData("nop\norg 0x1000", 1, "'org' must come before")]
    [InlineData("  %macro m 0", 3, "'%macro' is not a supported preprocessor directive")]
    [InlineData("section .data", 9, "only one section")]
    [InlineData("mov eax, 1 ; fine\nmov eax, #", 10, "unexpected character '#'")]
    public void SyntaxErrors(string source, int column, string expected)
    {
        var e = Fails(source);
        Assert.Equal(column, e.Column);
        Assert.Contains(expected, e.Detail);
    }

    [Fact]
    public void DefineClashingWithLabel() =>
        Assert.Contains("also given as a define", Fails("ITER: nop", new Dictionary<string, long> { ["ITER"] = 1 }).Detail);
}
