using System.Security.Cryptography;
using VirtPS.Engine.Asm;
using Xunit;

namespace VirtPS.Tests.Asm;

/// <summary>The shared CPU benchmark must assemble to exactly what nasm makes of it.</summary>
public class LoopBenchTests
{
    // nasm 2.16.01: nasm -f bin -DITER=100000000 -o loop.bin loop.asm
    const string ExpectedSha256 = "0f85f0f1259eaf2c1611b915d9fb54f38785ebca3635cec73762b2df4fa15675";
    const string ExpectedFirst64 =
        "488d3df90f0000b900e1f50531c031d24801c84889c348c1eb0381e3f80f0000" +
        "4833041f4889041f488d144248ffc975dff49090909090909090909090909090";
    const int ExpectedLength = 8192;

    static AssembledProgram AssembleLoop(long iter) =>
        Assembler.Assemble(File.ReadAllText(AsmTestSupport.LoopAsmPath!), new Dictionary<string, long> { ["ITER"] = iter });

    [LoopAsmFact]
    public void LoopAsm_MatchesCommittedNasmBytes()
    {
        var program = AssembleLoop(100_000_000);
        Assert.Equal(ExpectedLength, program.Bytes.Length);
        Assert.Equal(ExpectedFirst64, AsmTestSupport.Hex(program.Bytes[..64]));
        Assert.Equal(ExpectedSha256, AsmTestSupport.Hex(SHA256.HashData(program.Bytes)));
    }

    [LoopAsmFact(needsNasm: true)]
    public void LoopAsm_MatchesLiveNasm()
    {
        foreach (long iter in new long[] { 1_000_000, 100_000_000 })
        {
            var nasm = AsmTestSupport.RunNasm(File.ReadAllText(AsmTestSupport.LoopAsmPath!), $"ITER={iter}");
            Assert.Equal(AsmTestSupport.Hex(nasm), AsmTestSupport.Hex(AssembleLoop(iter).Bytes));
        }
    }

    [LoopAsmFact]
    public void LoopAsm_HasEntryAtOriginAndBufferSymbol()
    {
        var program = AssembleLoop(1000);
        Assert.Equal(0x100000UL, program.Origin);
        Assert.Equal(0x100000UL, program.EntryPoint);
        Assert.Equal(0x101000UL, program.Symbols["buf"]);
        Assert.Equal(0x100010UL, program.Symbols[".l"]);
        // One listing line per source line that produced bytes: 14 instructions, align, buf.
        Assert.Equal(16, program.Listing.Count);
        var jnz = Assert.Single(program.Listing, l => l.Source.Trim() == "jnz .l");
        Assert.Equal("75df", AsmTestSupport.Hex(jnz.Bytes));
        Assert.Equal(0x10002FUL, jnz.Address);
    }
}
