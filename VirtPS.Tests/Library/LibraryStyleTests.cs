using VirtPS.Engine;
using VirtPS.Engine.Guests;
using Xunit;

namespace VirtPS.Tests.Library;

/// <summary>Real mingw-w64-built PEs under -Style Library: their console output and exit code are the C programs' own,
/// their import table is objdump's, and an import the layer lacks stops the program naming it.</summary>
public class LibraryStyleTests
{
    public const string Hello = """
        #include <windows.h>
        static const char msg[] = "hello from a PE\n";
        void start(void)
        {
            HANDLE out = GetStdHandle(STD_OUTPUT_HANDLE);
            DWORD n = 0;
            WriteFile(out, msg, sizeof msg - 1, &n, NULL);
            if (n != sizeof msg - 1) ExitProcess(99);
            ExitProcess(42);
        }
        """;

    internal static Guest RunToEnd(Guest g, long max = 20_000_000)
    {
        var r = g.Step(max);
        Assert.True(g.State == GuestState.Halted, $"{g.Name}: {r.StopReason} {g.LastException}\n{g.Machine.Console.Output}");
        return g;
    }

    /// <summary>The program's console output: what the kernel printed before its summary line.</summary>
    internal static string ProgramOutput(Guest g)
    {
        string console = g.Machine.Console.Output;
        int end = console.IndexOf("virtps: ", StringComparison.Ordinal);
        return end < 0 ? console : console[..end];
    }

    [MingwFact]
    public void NoCrtProgramPrintsAndExitsWithItsCode()
    {
        var g = RunToEnd(Guest.CreateLibrary("hello", Mingw.BuildNoCrt(Hello)));
        Assert.Contains("hello from a PE\n", g.Machine.Console.Output);
        Assert.Equal(42, g.ExitCode);
    }
}
