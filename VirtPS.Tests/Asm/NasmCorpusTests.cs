using VirtPS.Engine.Asm;
using Xunit;

namespace VirtPS.Tests.Asm;

/// <summary>
/// Differential test against nasm over NasmCorpus.asm: single instructions covering the
/// mnemonics and operand forms the assembler supports. The committed expected bytes come from
/// nasm (gen-nasm-expected.sh); when nasm is installed the corpus is also checked live.
/// </summary>
public class NasmCorpusTests
{
    static IEnumerable<string> CorpusLines() =>
        File.ReadLines(AsmTestSupport.TestDataPath("NasmCorpus.asm"))
            .Select(l => l.Trim())
            .Where(l => l.Length > 0 && !l.StartsWith(';'))
            .Distinct();

    static Dictionary<string, string> Expected() =>
        File.ReadLines(AsmTestSupport.TestDataPath("NasmCorpus.expected.txt"))
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Select(l => l.Split('\t', 2))
            .GroupBy(p => p[1])
            .ToDictionary(g => g.Key, g => g.First()[0]);

    public static TheoryData<string, string> Cases()
    {
        var expected = Expected();
        var data = new TheoryData<string, string>();
        foreach (var line in CorpusLines())
            data.Add(line, expected.TryGetValue(line, out var hex) ? hex : "");
        return data;
    }

    static string AssembleOne(string line) =>
        AsmTestSupport.Hex(Assembler.Assemble("bits 64\n" + line + "\n", origin: 0).Bytes);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Instruction_MatchesNasmBytes(string instruction, string nasmHex)
    {
        Assert.False(nasmHex.Length == 0, $"'{instruction}' has no entry in NasmCorpus.expected.txt; run gen-nasm-expected.sh");
        Assert.Equal(nasmHex, AssembleOne(instruction));
    }

    [Fact]
    public void Corpus_CoversEveryRequiredMnemonic()
    {
        string[] required =
        [
            "mov", "movzx", "movsx", "movsxd", "lea", "xchg", "cmpxchg", "xadd", "bswap", "add", "adc", "sub", "sbb", "cmp",
            "inc", "dec", "neg", "and", "or", "xor", "not", "test", "shl", "sal", "shr", "sar", "rol", "ror", "rcl", "rcr",
            "shld", "shrd", "mul", "imul", "div", "idiv", "bt", "bts", "btr", "btc", "bsf", "bsr", "tzcnt", "lzcnt", "popcnt",
            "jmp", "call", "ret", "push", "pop", "leave", "cbw", "cwde", "cdqe", "cwd", "cdq", "cqo", "loop", "loope", "loopz",
            "loopne", "loopnz", "jrcxz", "jecxz", "movsb", "movsw", "movsd", "movsq", "stosb", "stosq", "lodsb", "cmpsb", "scasb",
            "rep", "repe", "repz", "repne", "repnz", "clc", "stc", "cmc", "cld", "std", "nop", "hlt", "lock", "cli", "sti",
            "pushf", "pushfq", "popf", "popfq", "iretq", "int", "int3", "syscall", "sysret", "o64", "swapgs", "rdmsr", "wrmsr",
            "cpuid", "rdtsc", "rdtscp", "lgdt", "lidt", "ltr", "lldt", "sgdt", "sidt", "str", "sldt", "smsw", "lmsw", "lar",
            "lsl", "verr", "verw", "in", "out", "insb", "insw", "insd", "outsb", "outsw", "outsd", "invlpg", "invpcid",
            "wbinvd", "invd", "vmcall", "retf", "retfq",
        ];
        var firstWords = CorpusLines().Select(l => l.Split(' ')[0].ToLowerInvariant()).ToHashSet();
        var missing = required.Where(m => !firstWords.Contains(m)).ToList();
        Assert.True(missing.Count == 0, "corpus lacks: " + string.Join(", ", missing));
        var lines = CorpusLines().ToList();
        foreach (var cc in new[] { "o", "no", "b", "ae", "e", "ne", "be", "a", "s", "ns", "p", "np", "l", "ge", "le", "g" })
        {
            Assert.Contains(lines, l => l.StartsWith("j" + cc + " "));
            Assert.Contains(lines, l => l.StartsWith("set" + cc + " "));
            Assert.Contains(lines, l => l.StartsWith("cmov" + cc + " "));
        }
    }

    [Fact]
    public void ExpectedFile_CoversTheWholeCorpus()
    {
        var expected = Expected();
        var missing = CorpusLines().Where(l => !expected.ContainsKey(l)).ToList();
        Assert.True(missing.Count == 0, "no nasm bytes for: " + string.Join(", ", missing));
        Assert.True(expected.Count >= 300, $"corpus has only {expected.Count} instructions");
    }

    /// <summary>The whole corpus as one file through nasm, compared line by line with our listing.</summary>
    [NasmFact]
    public void Corpus_MatchesLiveNasm()
    {
        var lines = CorpusLines().ToList();
        var failures = new List<string>();
        foreach (var line in lines)
        {
            var nasm = AsmTestSupport.Hex(AsmTestSupport.RunNasm("bits 64\n" + line + "\n"));
            string ours;
            try { ours = AssembleOne(line); }
            catch (AssemblyException e) { ours = "error: " + e.Message; }
            if (nasm != ours) failures.Add($"{line}: nasm {nasm}, ours {ours}");
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }
}
