using System.Text;
using VirtPS.Engine.Asm;

namespace VirtPS.Engine.Library;

/// <summary>
/// VirtPS's own KERNEL32.dll and the part of msvcrt.dll a small C program needs (Library/layer.asm): the functions a PE's imports bind to, as guest x86-64 code that
/// turns each Windows x64 call into the built-in kernel's system calls. It is assembled per image, at the address
/// the loader puts it (just above the image), with a stub per unimplemented import appended: the stub names the
/// import and ends the process (Wine binds what it lacks to such stubs, so a program that never calls them runs).
/// </summary>
public static class TranslationLayer
{
    /// <summary>The implemented functions, by DLL (names compared as Windows does: DLL case-insensitively, function exactly).</summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<string>> Exports { get; } =
        new Dictionary<string, IReadOnlyList<string>>(StringComparer.OrdinalIgnoreCase)
        {
            ["KERNEL32.dll"] =
            [
                "ExitProcess", "GetStdHandle", "WriteFile", "WriteConsoleA", "ReadFile", "VirtualAlloc", "VirtualFree",
                "GetProcessHeap", "HeapAlloc", "HeapFree", "GetTickCount", "GetTickCount64", "QueryPerformanceCounter",
                "QueryPerformanceFrequency", "Sleep", "GetLastError", "SetLastError", "GetCurrentProcessId", "GetCurrentThreadId",
                "GetCurrentProcess", "GetModuleHandleA", "GetCommandLineA", "lstrlenA",
                // what mingw-w64's C runtime start-up calls (crtexe.c): one thread, so critical sections need no lock
                "InitializeCriticalSection", "DeleteCriticalSection", "EnterCriticalSection", "LeaveCriticalSection",
                "GetStartupInfoA", "SetUnhandledExceptionFilter", "TlsGetValue", "IsDBCSLeadByteEx",
            ],
            ["msvcrt.dll"] =
            [
                "printf", "fprintf", "vfprintf", "puts", "putchar", "fwrite", "strlen", "strncmp", "memcpy", "memset",
                "malloc", "calloc", "free", "exit", "_exit", "abort", "_amsg_exit", "_cexit", "_onexit", "atexit",
                "__getmainargs", "__set_app_type", "__setusermatherr", "_initterm", "__iob_func", "signal",
                "_lock", "_unlock", "fputc", "localeconv", "___lc_codepage_func", "___mb_cur_max_func", "_errno", "strerror", "wcslen",
                // data: the IAT slot holds the variable's address
                "_fmode", "_commode", "_acmdln", "__initenv",
            ],
        };

    /// <summary>The msvcrt exports that are variables, not functions (never called, so never an entry point).</summary>
    public static IReadOnlySet<string> DataExports { get; } = new HashSet<string>(StringComparer.Ordinal) { "_fmode", "_commode", "_acmdln", "__initenv" };

    /// <summary>The layer's label for an implemented function or variable of <paramref name="dll"/>.</summary>
    public static string Label(string dll, string name) =>
        (dll.Equals("msvcrt.dll", StringComparison.OrdinalIgnoreCase) ? "msvcrt_" : "kernel32_") + name;

    /// <summary>Whether the layer implements <paramref name="import"/> (an import by ordinal never is: the layer exports names only).</summary>
    public static bool Implements(PeImport import) =>
        import.Name is { } name && Exports.TryGetValue(import.Dll, out var names) && names.Contains(name, StringComparer.Ordinal);

    /// <summary>The layer's source with the loader's part filled in: a stub per unimplemented import (<c>stub_k</c>), the
    /// ranges the start code makes writable, and the names.</summary>
    public static string Source(IReadOnlyList<PeImport> unimplemented, IReadOnlyList<(ulong Start, ulong Length)> writable,
        ReadOnlySpan<byte> tlsTemplate = default, uint tlsZeroFill = 0)
    {
        using var s = typeof(TranslationLayer).Assembly.GetManifestResourceStream("VirtPS.Engine.Library.layer.asm")!;
        string text = new StreamReader(s).ReadToEnd();
        var g = new StringBuilder("; ---- from the loader\n");
        for (int k = 0; k < unimplemented.Count; k++)
            g.Append($"stub_{k}:\n    lea rdx, [import_name_{k}]\n    jmp unimplemented\n");
        g.Append("align 16\nwritable:\n");
        foreach (var (start, length) in writable) g.Append($"    dq 0x{start:X}, 0x{length:X}\n");
        g.Append("    dq layer_data, layer_end - layer_data\n    dq 0, 0\n");
        for (int k = 0; k < unimplemented.Count; k++)
            g.Append($"import_name_{k}: db \"{Printable(unimplemented[k].Dll)}.{Printable(unimplemented[k].Display)}\", 0\n");
        // The executable's TLS block (its .tls template, then zero fill), which slot 0 of ThreadLocalStoragePointer points at.
        var d = new StringBuilder("align 16\ntls_block:\n");
        for (int k = 0; k < tlsTemplate.Length; k += 32)
            d.Append("    db ").AppendJoin(", ", tlsTemplate[k..Math.Min(k + 32, tlsTemplate.Length)].ToArray()).Append('\n');
        if (tlsZeroFill > 0) d.Append($"    times {tlsZeroFill} db 0\n");
        return text.Replace("; @@LOADER@@", g.ToString()).Replace("; @@LOADER_DATA@@", d.ToString());
    }

    /// <summary>Assembles the layer at <paramref name="origin"/>.</summary>
    public static AssembledProgram Assemble(ulong origin, ulong imageBase, ulong entry, ulong stackTop, ulong stackLimit,
        IReadOnlyList<PeImport> unimplemented, IReadOnlyList<(ulong Start, ulong Length)> writable, byte[]? tlsTemplate = null, uint tlsZeroFill = 0) =>
        Assembler.Assemble(Source(unimplemented, writable, tlsTemplate, tlsZeroFill), new Dictionary<string, long>
        {
            ["IMAGE_BASE"] = (long)imageBase, ["ENTRY"] = (long)entry, ["STACK_TOP"] = (long)stackTop, ["STACK_LIMIT"] = (long)stackLimit,
        }, origin);

    /// <summary>A name as the assembler's string literal can hold it (the PE's names are ASCII; anything else becomes '?').</summary>
    static string Printable(string s) => new(s.Select(c => c is >= ' ' and <= '~' and not '"' and not '\\' ? c : '?').ToArray());
}
