using System.Text.RegularExpressions;
using VirtPS.Engine;
using VirtPS.Engine.Guests;
using VirtPS.Engine.Jvm;
using Xunit;
using Xunit.Abstractions;

namespace VirtPS.Tests.Jvm;

/// <summary>The issue's bar for -Style Application: javac-built programs print exactly what the real java prints, both
/// interpreted and compiled, and compiled code retires at least 5x fewer guest instructions per bytecode.</summary>
public class ApplicationStyleTests(JavaPrograms programs, ITestOutputHelper output) : IClassFixture<JavaPrograms>
{
    public const long Never = long.MaxValue;

    static readonly Dictionary<string, string[]> Classes = new()
    {
        ["Fib"] = ["Fib"], ["Sieve"] = ["Sieve"], ["Arith"] = ["Arith"], ["Shapes"] = ["Shapes", "Shape", "Rect", "Square", "Counter"],
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
    [InlineData("Arith", Never)]
    [InlineData("Arith", 0)]
    public void PrintsWhatRealJavaPrints(string program, long threshold)
    {
        var g = Run(programs.ClassFiles(Classes[program]), threshold);
        var jvm = g.Jvm!;
        output.WriteLine($"{program} threshold {threshold}: {jvm.BytecodesInterpreted} interpreted, {jvm.BytecodesCompiled} compiled, {jvm.MethodsCompiled} methods compiled, {jvm.InstructionsPerBytecode} instructions/bytecode");
        Assert.Equal(programs.Expected(program), g.ProgramOutput);
        if (threshold == Never) { Assert.Equal(0, jvm.MethodsCompiled); Assert.Equal(0, jvm.BytecodesCompiled); }
        if (threshold == 0) { Assert.Equal(0, jvm.BytecodesInterpreted); Assert.Equal(g.JavaMethods().Count(m => m.Invocations > 0), jvm.MethodsCompiled); }
    }

    /// <summary>The issue's measure: on the Fibonacci program, compiled code retires at least 5x fewer guest instructions per
    /// bytecode than the interpreter. Both figures are counted by the CPU over the same program (the same bytecodes run).</summary>
    [JavaFact]
    public void CompiledCodeRetiresFiveTimesFewerInstructionsPerBytecode()
    {
        var interpreted = Run(programs.ClassFiles("Fib"), Never).Jvm!;
        var compiled = Run(programs.ClassFiles("Fib"), 0).Jvm!;
        Assert.Equal(interpreted.BytecodesInterpreted, compiled.BytecodesCompiled);   // the same bytecodes, counted both ways
        double factor = interpreted.InstructionsPerBytecode!.Value / compiled.InstructionsPerBytecode!.Value;
        output.WriteLine($"Fib: interpreted {interpreted.InstructionsPerBytecode} instructions/bytecode, compiled {compiled.InstructionsPerBytecode}: {factor:F2}x fewer");
        Assert.True(factor >= 5, $"compiled code retires only {factor:F2}x fewer instructions per bytecode");
    }

    /// <summary>Tiered: fib is compiled after 100 interpreted invocations, main (run once) stays interpreted; the invocation
    /// count is the calls the program counted itself, as the real java printed them, and the run's figures before and
    /// after compilation bracket it.</summary>
    [JavaFact]
    public void HotMethodIsCompiledAfterTheThreshold()
    {
        var g = Run(programs.ClassFiles("FibCalls"), 100);
        var fib = g.JavaMethods().Single(m => m.Name == "fib");
        var main = g.JavaMethods().Single(m => m.Name == "main");
        Assert.Equal(JavaMethodState.Compiled, fib.State);
        var expected = programs.Expected("FibCalls");
        Assert.Equal(long.Parse(Regex.Match(expected, @"^calls (\d+)$", RegexOptions.Multiline).Groups[1].Value), fib.Invocations);
        Assert.True(fib.CompiledSize > 0 && fib.CompiledAddress is not null);
        Assert.Equal(JavaMethodState.Interpreted, main.State);
        Assert.Equal(1, main.Invocations);
        var jvm = g.Jvm!;
        Assert.Equal(1, jvm.MethodsCompiled);
        Assert.True(jvm.InstructionsPerBytecodeBeforeCompilation > 5 * jvm.InstructionsPerBytecodeAfterCompilation,
            $"before {jvm.InstructionsPerBytecodeBeforeCompilation}, after {jvm.InstructionsPerBytecodeAfterCompilation}");
        Assert.Equal(expected, g.ProgramOutput);
    }

    /// <summary>Guest code cannot hurt the host: recursion 3000 deep runs (as deep as the real java's default stack takes) (the Java stack is 8 MiB of demand-paged heap),
    /// and endless recursion runs off the stack into unmapped memory, where the kernel kills the process, after it printed
    /// what the real java prints on standard output before its StackOverflowError.</summary>
    [JavaTheory]
    [InlineData(Never)]
    [InlineData(0)]
    public void EndlessRecursionIsAGuestEvent(long threshold)
    {
        var g = Run(programs.ClassFiles("Deep"), threshold);
        Assert.Equal(programs.Expected("Deep"), g.ProgramOutput);
        Assert.Contains("killed by #PF", g.Machine.Console.Output);
        Assert.False(g.Jvm!.Exited);
    }

    /// <summary>Runs are deterministic: the same class files and threshold give the same instructions, cycles and counters.</summary>
    [JavaFact]
    public void SameInputsSameCounters()
    {
        var a = Run(programs.ClassFiles(Classes["Shapes"]), 3);
        var b = Run(programs.ClassFiles(Classes["Shapes"]), 3);
        Assert.Equal((a.Instructions, a.Cycles, a.Jvm!.BytecodesInterpreted, a.Jvm.BytecodesCompiled, a.Jvm.ProgramInstructions),
            (b.Instructions, b.Cycles, b.Jvm!.BytecodesInterpreted, b.Jvm.BytecodesCompiled, b.Jvm.ProgramInstructions));
        Assert.Equal(a.JavaMethods().Select(m => (m.Name, m.State, m.Invocations, m.CompiledAddress)), b.JavaMethods().Select(m => (m.Name, m.State, m.Invocations, m.CompiledAddress)));
    }
}
