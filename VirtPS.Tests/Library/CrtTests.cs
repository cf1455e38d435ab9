using VirtPS.Engine.Guests;
using Xunit;

namespace VirtPS.Tests.Library;

/// <summary>C programs built with mingw-w64's C runtime: msvcrt's functions bound to the layer, and (without -nostdlib)
/// mingw-w64's own start-up code (mainCRTStartup: __getmainargs, _initterm, atexit, exit) before main.</summary>
public class CrtTests
{
    /// <summary>msvcrt's printf for mingw's headers: without __USE_MINGW_ANSI_STDIO they call msvcrt's own, not mingw's.</summary>
    const string MsvcrtStdio = "-D__USE_MINGW_ANSI_STDIO=0 -fno-builtin -O1 -s";

    public const string Formats = """
        #include <stdio.h>
        #include <stdlib.h>
        #include <string.h>
        static void bye(void) { puts("atexit ran"); }
        int main(int argc, char **argv)
        {
            atexit(bye);
            printf("argc=%d argv0=%s\n", argc, argv[0]);
            printf("[%d] [%i] [%5d] [%-5d] [%05d] [%u] [%x] [%X] [%c] [%s] [%.2s] [%6s] [%-6s] [%%] [%.3d] [%05.3d] [%-6.4x]\n",
                -42, 7, 42, 42, -42, 3000000000u, 255, 0xBEEF, 'z', "str", "abc", "ab", "ab", 42, -42, 255);
            printf("[%lld] [%llu] [%I64x] [%zu] [%ld] [%*d] [%s]\n",
                -1234567890123LL, 18446744073709551615ULL, 0x123456789abcdefULL, (size_t)99, -5L, 4, 7, (char *)0);
            char *p = malloc(100), *q = calloc(10, 10);
            memset(p, 'x', 99); p[99] = 0;
            memcpy(q, p, 5);
            printf("%d %d %s %d\n", (int)strlen(p), strncmp(p, q, 5), q, q[50]);
            free(p);
            fprintf(stderr, "to stderr %d\n", 5);
            fwrite("fwrite\n", 1, 7, stdout);
            return 17;
        }
        """;

    public const string Expected = "argc=1 argv0=program.exe\n" +
        "[-42] [7] [   42] [42   ] [-0042] [3000000000] [ff] [BEEF] [z] [str] [ab] [    ab] [ab    ] [%] [042] [ -042] [00ff  ]\n" +
        "[-1234567890123] [18446744073709551615] [123456789abcdef] [99] [-5] [   7] [(null)]\n" +
        "99 0 xxxxx 0\n" +
        "to stderr 5\n" +
        "fwrite\n" +
        "atexit ran\n";

    /// <summary>Both printf implementations: msvcrt's (the layer's formatter) and mingw-w64's own (its default, compiled
    /// into the program, writing through fputc and fwrite).</summary>
    [MingwTheory]
    [InlineData(MsvcrtStdio)]
    [InlineData("-fno-builtin -O1 -s")]
    public void MainUnderMingwStartupCodePrintsAndReturnsItsCode(string flags)
    {
        var pe = Mingw.Build(Formats, flags);
        var g = LibraryStyleTests.RunToEnd(Guest.CreateLibrary("crt", pe));
        Assert.True(Expected == g.ProgramOutput, g.Machine.Console.Output);
        Assert.Equal(17, g.ExitCode);
        // Calls by API as the program made them: exit once (its atexit handler is the program's, its puts a call of its
        // own), and no ExitProcess: exit reaches it inside the layer.
        var calls = g.Measure().TranslatedCalls;
        Assert.Equal(1, calls["msvcrt.dll.exit"]);
        Assert.Equal(1, calls["msvcrt.dll.puts"]);
        Assert.False(calls.ContainsKey("KERNEL32.dll.ExitProcess"));
        if (flags == MsvcrtStdio) Assert.Equal(4, calls["msvcrt.dll.printf"]);
    }
}
