using VirtPS.Engine;
using VirtPS.Engine.Guests;
using VirtPS.Engine.Jvm;
using Xunit;

namespace VirtPS.Tests.Jvm;

/// <summary>Bad class files, from real javac output patched where the JVM specification (SE 17, chapter 4) says a reader
/// or verifier must notice: each is refused with its own error id naming the problem, and no guest is left behind.</summary>
public class ApplicationBadInputTests(JavaPrograms programs) : IClassFixture<JavaPrograms>
{
    static VirtPSException Refused(string name, byte[] bytes, string id)
    {
        var lab = new Lab();
        var e = Assert.Throws<VirtPSException>(() => lab.Create(new GuestSpec { Name = "bad", Style = VirtualizationStyle.Application,
            Kind = GuestImageKind.ClassFiles, ClassFiles = [(name, bytes)], JitThreshold = 0 }));
        Assert.Equal(id, e.ErrorId);
        Assert.Empty(lab.Guests);
        return e;
    }

    byte[] Fib() => programs.ClassFiles("Fib")[0].Bytes;

    /// <summary>The offset of fib(int)'s Code attribute fields: max_stack 3, max_locals 1, code_length 23, then its code
    /// (iload_0, iconst_2, if_icmpge +7 ...), as javac 17 emits it (checked against the bytes, so a different javac fails loudly).</summary>
    static int FibCode(byte[] b)
    {
        byte[] pattern = [0, 3, 0, 1, 0, 0, 0, 23, 0x1A, 0x05, 0xA2, 0, 7];
        int at = b.AsSpan().IndexOf(pattern);
        Assert.True(at > 0, "fib(int)'s Code attribute is not where javac 17 puts it");
        return at;
    }

    [JavaFact]
    public void BadMagicNumber()
    {
        var b = Fib(); b[0] = 0xCB;
        Assert.Contains("CA FE BA BE", Refused("Fib.class", b, ErrorIds.ClassFileBadMagic).Message);
    }

    [JavaFact]
    public void VersionAbove61()
    {
        var b = Fib();
        Assert.Equal(61, b[6] << 8 | b[7]);   // javac --release 17
        b[7] = 62;
        Assert.Contains("version 62", Refused("Fib.class", b, ErrorIds.ClassFileVersionUnsupported).Message);
    }

    [JavaFact]
    public void Truncated()
    {
        var b = Fib();
        foreach (int length in new[] { 3, 10, b.Length / 2, b.Length - 1 })
            Assert.Contains("truncated", Refused("Fib.class", b[..length], ErrorIds.ClassFileTruncated).Message);
    }

    [JavaFact]
    public void SynchronizedBlockIsRefusedByOpcodeName() =>
        Assert.Contains("monitorenter", Refused("Sync.class", programs.ClassFiles("Sync")[0].Bytes, ErrorIds.BytecodeUnsupported).Message);

    [JavaFact]
    public void DoubleArithmeticIsRefusedByOpcodeName() =>
        Assert.Contains("i2d", Refused("Dbl.class", programs.ClassFiles("Dbl")[0].Bytes, ErrorIds.BytecodeUnsupported).Message);

    [JavaFact]
    public void StackDeeperThanMaxStack()
    {
        var b = Fib(); b[FibCode(b) + 1] = 1;
        Assert.Contains("beyond max_stack 1", Refused("Fib.class", b, ErrorIds.BytecodeVerifyFailed).Message);
    }

    [JavaFact]
    public void BranchIntoTheMiddleOfAnInstruction()
    {
        var b = Fib(); b[FibCode(b) + 12] = 5;   // if_icmpge +5: pc 7, the second byte of goto
        Assert.Contains("not an instruction boundary", Refused("Fib.class", b, ErrorIds.BytecodeVerifyFailed).Message);
    }

    [JavaFact]
    public void LocalBeyondMaxLocals()
    {
        var b = Fib(); b[FibCode(b) + 8] = 0x1B;   // iload_1 in a method with max_locals 1
        Assert.Contains("beyond max_locals 1", Refused("Fib.class", b, ErrorIds.BytecodeVerifyFailed).Message);
    }

    [JavaFact]
    public void MissingSuperclassIsALinkError() =>
        Assert.Contains("Rect", Assert.Throws<VirtPSException>(() => JavaProgram.Load(programs.ClassFiles("Square"))).Message);

    [Fact]
    public void ApplicationRunsClassFilesOnly()
    {
        var e = Assert.Throws<VirtPSException>(() => Guest.CreateWorkload("w", "compute", style: VirtualizationStyle.Application));
        Assert.Equal(ErrorIds.StyleNeedsClassFiles, e.ErrorId);
    }
}
