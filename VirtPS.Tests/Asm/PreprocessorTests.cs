using VirtPS.Engine.Asm;
using Xunit;

namespace VirtPS.Tests.Asm;

/// <summary>
/// Conditional assembly (%define, %undef, %if and friends, %error): every accepted case is assembled by
/// nasm too and must give the same bytes; errors name the line (and column) of the directive at fault.
/// </summary>
public class PreprocessorTests
{
    static Dictionary<string, long> Defines(params (string Name, long Value)[] defines) =>
        defines.ToDictionary(d => d.Name, d => d.Value);

    /// <summary>Assembles with both, the caller defines given to nasm as <c>-DNAME=value</c>.</summary>
    static void SameAsNasm(string source, IReadOnlyDictionary<string, long>? defines = null)
    {
        source = "bits 64\n" + source;
        defines ??= new Dictionary<string, long>();
        var nasm = AsmTestSupport.RunNasm(source, defines.Select(d => $"{d.Key}={d.Value}").ToArray());
        var ours = Assembler.Assemble(source, defines, origin: 0).Bytes;
        Assert.NotEmpty(nasm); // an empty image would make the comparison say little
        Assert.Equal(AsmTestSupport.Hex(nasm), AsmTestSupport.Hex(ours));
    }

    const string Nested = """
        %ifdef A
          %ifdef B
            db 0x11
          %else
            db 0x10
            %if 0
              this is not assembly @@@ # `unterminated
              %frobnicate
              %if UNDEFINED ==
              %endif
            %endif
          %endif
        %elifdef B
          db 0x01
          %ifndef A
            db 0x02
          %endif
        %else
          %if 1
            %if 0
              db 0xee
            %elif 1
              db 0x03
              %if 0
              %elif 1
                db 0x04
              %else
                db 0xee
              %endif
            %endif
          %endif
        %endif
          nop
        """;

    [NasmTheory]
    [InlineData(false, false)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public void Nesting_TakesOneBranchPerLevel_AndSkipsInactiveTextUnparsed(bool a, bool b)
    {
        var defines = new Dictionary<string, long>();
        if (a) defines["A"] = 1;
        if (b) defines["B"] = 1;
        SameAsNasm(Nested, defines);
    }

    const string ElifChain = """
        %if MODE == 0
          mov eax, 0
        %elif MODE = 1
          mov eax, 1
        %elifdef FAST
          xor eax, eax
        %elifn MODE - 2
          mov eax, 2
        %elif MODE >= 3 && MODE <> 4
          mov eax, 3
        %else
          ud2
        %endif
          ret
        """;

    [NasmTheory]
    [InlineData(0, false)]
    [InlineData(1, false)]
    [InlineData(1, true)]
    [InlineData(2, false)]
    [InlineData(2, true)]
    [InlineData(3, false)]
    [InlineData(4, false)]
    [InlineData(-1, false)]
    public void ElifChain_TakesTheFirstTrueBranchOnly(long mode, bool fast)
    {
        var defines = Defines(("MODE", mode));
        if (fast) defines["FAST"] = 1;
        SameAsNasm(ElifChain, defines);
    }

    [NasmTheory]
    [InlineData("-1 < 0")]
    [InlineData("0xffffffffffffffff > 1")]
    [InlineData("1 = 1")]
    [InlineData("2 == 3")]
    [InlineData("2 <> 3")]
    [InlineData("2 != 2")]
    [InlineData("3 <= 3")]
    [InlineData("3 >= 4")]
    [InlineData("1 && 2")]
    [InlineData("1 && 0")]
    [InlineData("0 || 0")]
    [InlineData("0 || 5")]
    [InlineData("1 ^^ 1")]
    [InlineData("1 ^^ 0")]
    [InlineData("!0")]
    [InlineData("1 | 2 == 3")]
    [InlineData("1 + 1 == 2 && 3 > 2")]
    [InlineData("(0 || 7) + 1 == 2")]
    [InlineData("X * 2 > 10")]
    [InlineData("X - 6")]
    public void IfExpressions_EvaluateAsNasmDoes(string condition) =>
        SameAsNasm($"%if {condition}\n db 1\n%else\n db 0\n%endif\n%ifn {condition}\n db 2\n%endif\n", Defines(("X", 6)));

    const string Paravirt = """
        %ifdef PARAVIRT
          %define HC_CLI 1
          %define HC_WRITE_CR3 2
          %define HC_BASE 0x100
        %endif
        set_cr3:
        %ifdef PARAVIRT
          mov rdi, rax
          mov eax, HC_BASE + HC_WRITE_CR3
          vmcall
        %else
          mov cr3, rax
        %endif
          ret
        disable_interrupts:
        %ifndef PARAVIRT
          cli
        %else
          mov eax, HC_BASE + HC_CLI
          vmcall
        %endif
          ret
        %if NPROC > 2 || (TIMER_PERIOD & 1)
          mov ecx, NPROC
        %endif
        """;

    [NasmTheory]
    [InlineData(false, 1, 1000)]
    [InlineData(true, 1, 1000)]
    [InlineData(true, 4, 1000)]
    [InlineData(false, 2, 999)]
    public void CallerDefines_AreSeenByIfdefAndIf(bool paravirt, long nproc, long timer)
    {
        var defines = Defines(("NPROC", nproc), ("TIMER_PERIOD", timer));
        if (paravirt) defines["PARAVIRT"] = 1;
        SameAsNasm(Paravirt, defines);
    }

    const string DefineUndef = """
        SELF equ 5
        %define COUNT 4
        %define TWICE COUNT*2       ; expanded when used, so it follows COUNT
        %define HYPERCALL vmcall
        %define EMPTY
        %define ENTRY kernel_entry
        ENTRY:
          mov ecx, TWICE
        %undef COUNT
        %define COUNT 10
          mov ecx, TWICE
        %ifdef EMPTY
          HYPERCALL
        %endif
        %undef EMPTY
        %undef NEVER_DEFINED
        %ifndef EMPTY
          db COUNT
        %endif
        %define SELF SELF+1         ; not expanded inside itself: the equ
          db SELF
        %define ITER 3              ; overrides the caller's ITER from here on
          db ITER
        %define OPEN (
          db OPEN 1 + 2) * 3
          jmp kernel_entry
          jmp ENTRY
        %if TWICE == 20 && COUNT
          db 0x77
        %endif
        """;

    [NasmFact]
    public void DefineAndUndef_WorkLikeNasmSingleLineMacros() =>
        SameAsNasm(DefineUndef, Defines(("ITER", 100)));

    [Fact]
    public void Listing_KeepsOriginalLineNumbersAndText()
    {
        var p = Assembler.Assemble("%define V 7\n%if 0\ndb 1\n%else\ndb V ; seven\n%endif\ndb 2", origin: 0);
        Assert.Equal("0702", AsmTestSupport.Hex(p.Bytes));
        Assert.Equal([5, 7], p.Listing.Select(l => l.Line));
        Assert.Equal("db V ; seven", p.Listing[0].Source);
    }

    [Fact]
    public void ErrorsAfterDirectives_KeepTheirLineNumbers()
    {
        var e = Assert.Throws<AssemblyException>(() => Assembler.Assemble("%if 1\n%define X 1\n%endif\n  frobnicate eax"));
        Assert.Equal((4, 3), (e.Line, e.Column));
        // A token that came from a macro is reported where the macro name was written.
        var m = Assert.Throws<AssemblyException>(() => Assembler.Assemble("%define BAD frobnicate\nnop\n   BAD eax"));
        Assert.Equal((3, 4), (m.Line, m.Column));
        Assert.Contains("unknown instruction 'frobnicate'", m.Detail);
    }

    [Fact]
    public void ErrorDirective_InAnInactiveBranch_IsIgnored() =>
        Assert.Equal("90", AsmTestSupport.Hex(Assembler.Assemble("%ifndef PARAVIRT\n%error \"needs PARAVIRT\"\n%endif\nnop",
            Defines(("PARAVIRT", 1))).Bytes));

    public static TheoryData<string, int, int, string> ErrorCases() => new()
    {
        { "%endif", 1, 1, "'%endif' without a matching '%if'" },
        { "nop\n  %else", 2, 3, "'%else' without a matching '%if'" },
        { "%if 1\n%endif\n%elif 1", 3, 1, "'%elif' without a matching '%if'" },
        { "%if 1\n%else\n%else\n%endif", 3, 1, "a second '%else' for the '%if' on line 1 (the first is on line 2)" },
        { "%ifdef X\n%else\n%elifdef Y\n%endif", 3, 1, "'%elifdef' after the '%else' on line 2" },
        { "nop\n%if 1\n%ifdef X\n%endif", 2, 1, "'%if' has no matching '%endif' before the end of the source" },
        { "%if 1\n%endif\n  %ifdef X\nnop", 3, 3, "'%ifdef' has no matching '%endif' before the end of the source" },
        { "%macro m 1", 1, 1, "'%macro' is not a supported preprocessor directive" },
        { "%if 1\n  %include 'x.inc'\n%endif", 2, 3, "'%include' is not a supported preprocessor directive" },
        { "%", 1, 1, "expected a preprocessor directive name after '%'" },
        { "%if UNDEFINED_THING\n%endif", 1, 5, "undefined symbol 'UNDEFINED_THING' in a %if expression" },
        { "start:\n%if start + 1\n%endif", 2, 5, "undefined symbol 'start' in a %if expression" },
        { "%if\n%endif", 1, 4, "'%if' needs an expression" },
        { "%if 1 2\n%endif", 1, 7, "expected end of line but found '2'" },
        { "%if 1 / 0\n%endif", 1, 9, "division by zero" },
        { "%if $ > 0\n%endif", 1, 5, "'$' cannot be used in a %if expression" },
        { "%ifdef 1\n%endif", 1, 8, "'%ifdef' needs a macro name but found '1'" },
        { "%ifdef A B\n%endif", 1, 10, "expected end of line after the macro name" },
        { "%define F(x) x", 1, 10, "macros with parameters are not supported" },
        { "%define", 1, 8, "'%define' needs a macro name but found end of line" },
        { "nop\n  %error \"paravirt build needs HC_BASE\"", 2, 3, "paravirt build needs HC_BASE" },
        { "%if 0\n%error no\n%endif\n%error plain words", 4, 1, "plain words" },
        { "%error", 1, 1, "%error" },
    };

    [Theory]
    [MemberData(nameof(ErrorCases))]
    public void Errors_NameTheLineAndWhatIsWrong(string source, int line, int column, string expected)
    {
        var e = Assert.Throws<AssemblyException>(() => Assembler.Assemble(source));
        Assert.Equal((line, column), (e.Line, e.Column));
        Assert.Contains(expected, e.Detail);
    }

    [Theory]
    [InlineData("%error \"paravirt build needs HC_BASE\"", "paravirt build needs HC_BASE")]
    [InlineData("%error `tab\\there` ; why", "tab\there")]
    [InlineData("  %error plain  words, 1 ; not this", "plain  words, 1")]
    public void ErrorDirective_MessageIsTheText(string source, string expected) =>
        Assert.Equal(expected, Assert.Throws<AssemblyException>(() => Assembler.Assemble(source)).Detail);

    [Fact]
    public void Undef_OfACallerDefine_IsAnError()
    {
        var e = Assert.Throws<AssemblyException>(() => Assembler.Assemble("nop\n%undef ITER", Defines(("ITER", 1))));
        Assert.Equal((2, 8), (e.Line, e.Column));
        Assert.Contains("'ITER' is defined by the caller", e.Detail);
    }

    /// <summary>Sources we reject for a preprocessor reason are rejected by nasm as well.</summary>
    [NasmTheory]
    [InlineData("%endif")]
    [InlineData("%if 1\n%ifdef X\n%endif")]
    [InlineData("%if UNDEFINED_THING\n%endif")]
    [InlineData("start:\n%if start + 1\n%endif")]
    [InlineData("%if\n%endif")]
    [InlineData("%if 1 / 0\n%endif")]
    [InlineData("%error \"stop\"")]
    public void Errors_AreErrorsForNasmToo(string source)
    {
        Assert.Throws<AssemblyException>(() => Assembler.Assemble(source));
        Assert.Throws<InvalidOperationException>(() => AsmTestSupport.RunNasm("bits 64\n" + source));
    }
}
