using VirtPS.Engine;
using VirtPS.Engine.Guests;
using VirtPS.Engine.Jvm;
using Xunit;
using Xunit.Abstractions;

namespace VirtPS.Tests.Jvm;

/// <summary>The bar for -Style Application: javac-built programs print exactly what the real java prints, both
/// interpreted and compiled, and compiled code retires at least 5x fewer guest instructions per bytecode.</summary>
public class ApplicationStyleTests(JavaPrograms programs, ITestOutputHelper output) : IClassFixture<JavaPrograms>
{
    public const long Never = long.MaxValue;

    static readonly Dictionary<string, string[]> Classes = new()
    {
        ["Fib"] = ["Fib"], ["Sieve"] = ["Sieve"], ["Shapes"] = ["Shapes", "Shape", "Rect", "Square", "Counter"],
    };

    internal static Guest Run(IReadOnlyList<(string, byte[])> files, long threshold, string? main = null)
    {
        var g = Guest.Create(new GuestSpec { Name = "j", Style = VirtualizationStyle.Application, Kind = GuestImageKind.ClassFiles,
            ClassFiles = files, MainClass = main, JitThreshold = threshold });
        var r = g.Step(2_000_000_000);
        Assert.True(g.State == GuestState.Halted, $"{r.StopReason}: {g.LastException}\n{g.Machine.Console.Output}");
        return g;
    }

    [JavaTheory]
    [InlineData("Fib", Never)]
    [InlineData("Fib", 0)]
    [InlineData("Sieve", Never)]
    [InlineData("Sieve", 0)]
    [InlineData("Shapes", Never)]
    [InlineData("Shapes", 0)]
    [InlineData("Shapes", 2)]
    public void PrintsWhatRealJavaPrints(string program, long threshold)
    {
        var g = Run(programs.ClassFiles(Classes[program]), threshold);
        var jvm = g.Jvm!;
        output.WriteLine($"{program} threshold {threshold}: {jvm.BytecodesInterpreted} interpreted, {jvm.BytecodesCompiled} compiled, {jvm.MethodsCompiled} methods compiled, {jvm.InstructionsPerBytecode} instructions/bytecode");
        Assert.Equal(programs.Expected(program), g.ProgramOutput);
        if (threshold == Never) { Assert.Equal(0, jvm.MethodsCompiled); Assert.Equal(0, jvm.BytecodesCompiled); }
        if (threshold == 0) { Assert.Equal(0, jvm.BytecodesInterpreted); Assert.Equal(g.JavaMethods().Count(m => m.Invocations > 0), jvm.MethodsCompiled); }
    }
}
