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

    /// <summary>A number printer for programs without a C runtime.</summary>
    public const string Print = """
        #include <windows.h>
        static void put(const char *s, DWORD n) { DWORD w; WriteFile(GetStdHandle(STD_OUTPUT_HANDLE), s, n, &w, NULL); }
        static void puts_(const char *s) { put(s, lstrlenA(s)); }
        static void putu(unsigned long long v)
        {
            char b[24]; int i = 24;
            do { b[--i] = '0' + v % 10; v /= 10; } while (v);
            put(b + i, 24 - i);
        }
        """;

    /// <summary>The Win32 behaviour the layer promises, checked by the program itself: last-error in the TEB, an invalid
    /// standard handle, zeroed writable memory from VirtualAlloc, a monotonic performance counter, the TEB's self
    /// pointer and stack bounds, and a relocated table of pointers. Each failure is a distinct exit code.</summary>
    public const string Api = Print + """
        static const char *names[] = { "alpha", "beta", "gamma" };
        void start(void)
        {
            SetLastError(1234);
            if (GetLastError() != 1234) ExitProcess(1);
            if (GetStdHandle((DWORD)-99) != INVALID_HANDLE_VALUE || GetLastError() != ERROR_INVALID_HANDLE) ExitProcess(2);
            unsigned char *p = VirtualAlloc(NULL, 3 * 4096, MEM_COMMIT | MEM_RESERVE, PAGE_READWRITE);
            if (!p) ExitProcess(3);
            for (int i = 0; i < 3 * 4096; i++) if (p[i]) ExitProcess(4);
            p[5000] = 7;
            if (p[5000] != 7) ExitProcess(5);
            LARGE_INTEGER a, b, f;
            QueryPerformanceCounter(&a); QueryPerformanceCounter(&b);
            if (!QueryPerformanceFrequency(&f) || f.QuadPart <= 0 || b.QuadPart <= a.QuadPart) ExitProcess(6);
            NT_TIB *tib = (NT_TIB *)NtCurrentTeb();
            if (tib->Self != tib || (char *)&tib < (char *)tib->StackLimit || (char *)&tib >= (char *)tib->StackBase) ExitProcess(7);
            if (GetModuleHandleA(NULL) == NULL) ExitProcess(8);
            char in[8]; DWORD got = 99;
            if (!ReadFile(GetStdHandle(STD_INPUT_HANDLE), in, sizeof in, &got, NULL) || got != 0) ExitProcess(9);
            DWORD wrote = 0;
            if (!WriteConsoleA(GetStdHandle(STD_ERROR_HANDLE), "console ", 8, &wrote, NULL) || wrote != 8) ExitProcess(10);
            if (WriteFile(GetStdHandle(STD_INPUT_HANDLE), "x", 1, &wrote, NULL) || GetLastError() != ERROR_INVALID_HANDLE) ExitProcess(11);
            Sleep(0);
            if (GetCurrentProcessId() != 1) ExitProcess(12);
            for (int i = 0; i < 3; i++) { puts_(names[i]); put(" ", 1); }
            putu(GetTickCount64() < 100000 ? 1 : 0);
            put("\n", 1);
            ExitProcess(0);
        }
        """;

    /// <summary>The cycles-per-iteration program: ITER (a -D define) turns of an integer loop, then its result printed
    /// (so the loop cannot be optimized away) and the loop's own iterations as the exit code's check.</summary>
    public const string Compute = Print + """
        void start(void)
        {
            unsigned long long x = 1;
            for (volatile long i = 0; i < ITER; i++) x = x * 6364136223846793005ULL + 1442695040888963407ULL;
            puts_("compute: "); putu(x); put("\n", 1);
            ExitProcess(ITER % 256);
        }
        """;

    internal static Guest RunToEnd(Guest g, long max = 50_000_000)
    {
        var r = g.Step(max);
        Assert.True(g.State == GuestState.Halted, $"{g.Name}: {r.StopReason} {g.LastException}\n{g.Machine.Console.Output}");
        return g;
    }

    [MingwFact]
    public void NoCrtProgramPrintsAndExitsWithItsCode()
    {
        var g = RunToEnd(Guest.CreateLibrary("hello", Mingw.BuildNoCrt(Hello)));
        Assert.Contains("hello from a PE\n", g.Machine.Console.Output);
        Assert.Equal(42, g.ExitCode);
        Assert.False(g.PeImage!.Relocated);
        Assert.Equal(0x1_4000_0000UL, g.PeImage.Base);   // mingw's default ImageBase for an x86-64 executable
    }

    [MingwFact]
    public void Win32BehaviourHoldsInsideTheProgram()
    {
        var g = RunToEnd(Guest.CreateLibrary("api", Mingw.BuildNoCrt(Api)));
        Assert.True(g.ExitCode == 0, $"the program's check {g.ExitCode} failed\n{g.Machine.Console.Output}");
        Assert.Contains("console alpha beta gamma 1\n", g.Machine.Console.Output);
    }

    /// <summary>Linked at 256 MiB (inside the kernel's half), the image cannot have its base: the loader moves it to
    /// 4 GiB and applies its DIR64 relocations, and the table of string pointers still reads right.</summary>
    [MingwFact]
    public void ImageThatCannotHaveItsBaseIsRelocated()
    {
        var g = RunToEnd(Guest.CreateLibrary("moved", Mingw.BuildNoCrt(Api, "-Wl,--image-base=0x10000000")));
        Assert.True(g.PeImage!.Relocated);
        Assert.Equal(0x1000_0000UL, g.PeImage.PreferredBase);
        Assert.Equal(Guest.LibraryAlternateBase, g.PeImage.Base);
        Assert.Equal(0, g.ExitCode);
        Assert.Contains("alpha beta gamma 1\n", g.Machine.Console.Output);
    }

    [MingwFact]
    public void ImageWithoutRelocationsAtAnUnusableBaseIsRefused()
    {
        var pe = Mingw.BuildNoCrt(Hello, "-Wl,--image-base=0x10000000 -Wl,--disable-reloc-section");
        var e = Assert.Throws<VirtPSException>(() => Guest.CreateLibrary("fixed", pe));
        Assert.Equal(ErrorIds.PeNotRelocatable, e.ErrorId);
    }

    /// <summary>The import table the loader read is objdump's (the independent truth), entry for entry, and each slot in
    /// guest memory holds the address the loader bound.</summary>
    [MingwFact]
    public void ImportsAreTheRealImportTable()
    {
        var pe = Mingw.BuildNoCrt(Api);
        var g = Guest.CreateLibrary("imports", pe);
        var ours = g.PeImage!.Imports.Select(i => (i.Dll, i.Name)).ToList();
        Assert.Equal(Mingw.ObjdumpImports(pe), ours);
        Assert.Contains(("KERNEL32.dll", "WriteFile"), ours);
        Assert.All(g.PeImage.Imports, i => Assert.True(i.Implemented, i.Name));
        // The IAT as the process sees it, once the kernel has mapped the image and entered it at CPL 3: each slot's
        // virtual address walked through the process's own page tables (CR3) to the frame the kernel gave it, and read
        // there, not from the loader's host copy. A function's slot holds the layer's entry point of that very name.
        var cpu = g.Machine.Cpu;
        for (int n = 0; cpu.Cpl != 3 && n < 1000; n++) g.Step(100);
        Assert.Equal(3, cpu.Cpl);
        var mode = cpu.PagingControls();
        foreach (var i in g.PeImage.Imports)
        {
            var t = VirtPS.Engine.Memory.PageWalker.Walk(g.Machine.Memory, i.IatAddress, VirtPS.Engine.Memory.AccessKind.Read, mode, out _);
            Assert.True(t.HasValue, $"{i.Name}'s IAT slot 0x{i.IatAddress:X} is not mapped");
            ulong slot = BitConverter.ToUInt64(g.Machine.Memory.Read(t.Value.Physical, 8));
            Assert.Equal(i.BoundTo, slot);
            Assert.InRange(slot, g.PeImage.LayerStart, g.PeImage.LayerEnd - 1);
            if (g.PeImage.Entries.TryGetValue(slot, out var api)) Assert.Equal($"{i.Dll}.{i.Name}", api);
            else Assert.Contains(i.Name, VirtPS.Engine.Library.TranslationLayer.DataExports);   // a variable, not an entry
        }
        RunToEnd(g);
    }

    [MingwFact]
    public void UnimplementedImportStopsTheProgramNamingIt()
    {
        var pe = Mingw.BuildNoCrt(Print + """
            void start(void) { puts_("before\n"); Beep(440, 100); puts_("after\n"); ExitProcess(0); }
            """);
        var g = Guest.CreateLibrary("beep", pe);
        var beep = Assert.Single(g.PeImage!.Imports, i => !i.Implemented);
        Assert.Equal("Beep", beep.Name);
        Assert.Equal("unimplemented", beep.Binding);
        RunToEnd(g);
        string console = g.Machine.Console.Output;
        Assert.Contains("before\nvirtps: call to unimplemented function KERNEL32.dll.Beep, aborting\n", console);
        Assert.DoesNotContain("after", console);
        Assert.Equal(0xC0000139, g.ExitCode);   // STATUS_ENTRYPOINT_NOT_FOUND
    }

    /// <summary>Measure-VGuest's view: calls by API name as the program made them, and the cycles they cost; the program's
    /// own code ran with no trap and no exit.</summary>
    [MingwFact]
    public void CallsAreCountedByApiWithTheirCycles()
    {
        var pe = Mingw.BuildNoCrt(Print + """
            void start(void)
            {
                unsigned long long t = 0;
                for (int i = 0; i < 25; i++) t += GetTickCount64();
                puts_("ticks\n");
                ExitProcess((UINT)t);   /* the sum of 25 readings of a clock that started at boot */
            }
            """);
        var g = RunToEnd(Guest.CreateLibrary("calls", pe));
        var m = g.Measure();
        Assert.Equal(g.ExitCode, m.ExitCode);
        Assert.Equal(25, m.TranslatedCalls["KERNEL32.dll.GetTickCount64"]);
        Assert.Equal(1, m.TranslatedCalls["KERNEL32.dll.WriteFile"]);
        Assert.Equal(1, m.TranslatedCalls["KERNEL32.dll.GetStdHandle"]);
        Assert.Equal(1, m.TranslatedCalls["KERNEL32.dll.lstrlenA"]);
        Assert.Equal(1, m.TranslatedCalls["KERNEL32.dll.ExitProcess"]);
        Assert.Equal(5, m.TranslatedCalls.Count);
        // GetTickCount64 is pure user-mode code: 7 instructions a call (RDTSC, SHL, OR, XOR, MOV, DIV, RET; layer.asm),
        // one of them a near return, priced by the cost model; WriteFile goes through the kernel, whose work is in its share.
        var model = g.Costs;
        double perCall = 7 * model.Cycles(Engine.Costs.CostEvent.Instruction) + model.Cycles(Engine.Costs.CostEvent.NearReturn);
        Assert.Equal(Math.Round(25 * perCall), m.TranslatedCallCycles["KERNEL32.dll.GetTickCount64"]);
        Assert.True(m.TranslatedCallCycles["KERNEL32.dll.WriteFile"] > 20 * m.TranslatedCallCycles["KERNEL32.dll.GetTickCount64"] / 25);
        Assert.Equal(m.TranslatedCallCycles.Values.Sum(), m.TranslationLayerCycles);
        Assert.InRange(m.TranslationLayerCycles, 1, m.Cycles);
        Assert.Equal(0, m.Exits);
        Assert.Equal(0, m.Traps);
        Assert.Equal(0, m.Callouts);
        // Deterministic: the same PE again gives the same counts and cycles.
        var again = RunToEnd(Guest.CreateLibrary("calls2", pe)).Measure();
        Assert.Equal(m.Cycles, again.Cycles);
        Assert.Equal(m.TranslatedCallCycles, again.TranslatedCallCycles);
    }
}
