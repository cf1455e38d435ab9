using System.Text;
using VirtPS.Engine.Asm;

namespace VirtPS.Engine.Library;

/// <summary>
/// VirtPS's own KERNEL32.dll (Library/layer.asm): the functions a PE's imports bind to, as guest x86-64 code that
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
            ],
        };

    /// <summary>The layer's label for an implemented function.</summary>
    public static string Label(string name) => "kernel32_" + name;

    /// <summary>Whether the layer implements <paramref name="import"/> (an import by ordinal never is: the layer exports names only).</summary>
    public static bool Implements(PeImport import) =>
        import.Name is { } name && Exports.TryGetValue(import.Dll, out var names) && names.Contains(name, StringComparer.Ordinal);

    /// <summary>The layer's source with the loader's part filled in: a stub per unimplemented import (<c>stub_k</c>), the
    /// ranges the start code makes writable, and the names.</summary>
    public static string Source(IReadOnlyList<PeImport> unimplemented, IReadOnlyList<(ulong Start, ulong Length)> writable)
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
        return text.Replace("; @@LOADER@@", g.ToString());
    }

    /// <summary>Assembles the layer at <paramref name="origin"/>.</summary>
    public static AssembledProgram Assemble(ulong origin, ulong imageBase, ulong entry, ulong stackTop, ulong stackLimit,
        IReadOnlyList<PeImport> unimplemented, IReadOnlyList<(ulong Start, ulong Length)> writable) =>
        Assembler.Assemble(Source(unimplemented, writable), new Dictionary<string, long>
        {
            ["IMAGE_BASE"] = (long)imageBase, ["ENTRY"] = (long)entry, ["STACK_TOP"] = (long)stackTop, ["STACK_LIMIT"] = (long)stackLimit,
        }, origin);

    /// <summary>A name as the assembler's string literal can hold it (the PE's names are ASCII; anything else becomes '?').</summary>
    static string Printable(string s) => new(s.Select(c => c is >= ' ' and <= '~' and not '"' and not '\\' ? c : '?').ToArray());
}
