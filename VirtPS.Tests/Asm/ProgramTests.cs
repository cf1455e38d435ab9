using VirtPS.Engine.Asm;
using Xunit;

namespace VirtPS.Tests.Asm;

/// <summary>Whole programs (directives, expressions, branch relaxation, times) against nasm's images.</summary>
public class ProgramTests
{
    static IEnumerable<string> ProgramNames() =>
        Directory.GetFiles(AsmTestSupport.TestDataPath("Programs"), "*.asm").Select(f => Path.GetFileNameWithoutExtension(f)).Order();

    public static TheoryData<string> Programs() => new(ProgramNames());

    static string Source(string name) => File.ReadAllText(AsmTestSupport.TestDataPath($"Programs/{name}.asm"));

    [Theory]
    [MemberData(nameof(Programs))]
    public void Program_MatchesCommittedNasmImage(string name)
    {
        string expected = File.ReadAllText(AsmTestSupport.TestDataPath($"Programs/{name}.hex")).Trim();
        Assert.Equal(expected, AsmTestSupport.Hex(Assembler.Assemble(Source(name), origin: 0).Bytes));
    }

    [NasmFact]
    public void Programs_MatchLiveNasm()
    {
        foreach (var name in ProgramNames())
            Assert.Equal(AsmTestSupport.Hex(AsmTestSupport.RunNasm(Source(name))),
                AsmTestSupport.Hex(Assembler.Assemble(Source(name), origin: 0).Bytes));
    }

    [Theory]
    [InlineData(127, "eb7f")]
    [InlineData(128, "e980000000")]
    public void ForwardJump_IsShortOnlyWhileItReaches(int gap, string expected)
    {
        var p = Assembler.Assemble($"jmp a\ntimes {gap} nop\na:", origin: 0);
        Assert.Equal(expected, AsmTestSupport.Hex(p.Listing[0].Bytes));
    }

    [Theory]
    [InlineData(126, "eb80")]
    [InlineData(127, "e97cffffff")]
    public void BackwardJump_IsShortOnlyWhileItReaches(int gap, string expected)
    {
        var p = Assembler.Assemble($"a: times {gap} nop\njmp a", origin: 0);
        Assert.Equal(expected, AsmTestSupport.Hex(p.Listing[^1].Bytes));
    }

    [Fact]
    public void JumpToAPlainNumber_IsNear_LikeNasm() =>
        Assert.Equal("e9fb0f0000", AsmTestSupport.Hex(Assembler.Assemble("jmp 0x1000", origin: 0).Bytes));
}
