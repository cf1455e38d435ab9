using System.Diagnostics;
using System.Text.RegularExpressions;

namespace VirtPS.Tests.Library;

/// <summary>The real mingw-w64 toolchain (Debian's gcc-mingw-w64-x86-64): builds the tests' own C programs into Windows
/// PEs, and objdump reads their import tables as the independent truth.</summary>
public static partial class Mingw
{
    public const string Gcc = "x86_64-w64-mingw32-gcc", Objdump = "x86_64-w64-mingw32-objdump";

    static readonly Lazy<string?> Found = new(() => Which(Gcc));

    /// <summary>The compiler's path, or null when it is not installed.</summary>
    public static string? GccPath => Found.Value;

    public const string SkipReason = "x86_64-w64-mingw32-gcc is not installed (apt-get install gcc-mingw-w64-x86-64)";

    static string? Which(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(d => Path.Combine(d, tool)).FirstOrDefault(File.Exists);

    static readonly Dictionary<string, byte[]> Built = new();

    /// <summary>Compiles <paramref name="source"/> with <paramref name="flags"/> (cached per source and flags) and returns the .exe's bytes.</summary>
    public static byte[] Build(string source, string flags)
    {
        lock (Built)
        {
            string key = flags + "\n" + source;
            if (Built.TryGetValue(key, out var b)) return (byte[])b.Clone();
            string dir = Directory.CreateTempSubdirectory("virtps-pe").FullName;
            try
            {
                File.WriteAllText(Path.Combine(dir, "p.c"), source);
                var (code, output) = Run(GccPath!, $"-o p.exe p.c {flags}", dir);
                if (code != 0) throw new InvalidOperationException("mingw gcc failed:\n" + output);
                Built[key] = File.ReadAllBytes(Path.Combine(dir, "p.exe"));
                return (byte[])Built[key].Clone();
            }
            finally { Directory.Delete(dir, true); }
        }
    }

    /// <summary>A -nostdlib program entered at <c>start</c>, calling KERNEL32 directly.</summary>
    public static byte[] BuildNoCrt(string source, string extra = "") =>
        Build(source, $"-nostdlib -ffreestanding -fno-builtin -O1 -s -e start {extra} -lkernel32");

    /// <summary>The import table as objdump -p prints it: (DLL, name) per import, in order.</summary>
    public static List<(string Dll, string Name)> ObjdumpImports(byte[] exe)
    {
        string dir = Directory.CreateTempSubdirectory("virtps-pe").FullName;
        try
        {
            File.WriteAllBytes(Path.Combine(dir, "p.exe"), exe);
            var (code, output) = Run(Path.Combine(Path.GetDirectoryName(GccPath!)!, Objdump), "-p p.exe", dir);
            if (code != 0) throw new InvalidOperationException("objdump failed:\n" + output);
            var list = new List<(string, string)>();
            string? dll = null;
            foreach (var line in output.Split('\n'))
            {
                var m = DllLine().Match(line);
                if (m.Success) { dll = m.Groups[1].Value.Trim(); continue; }
                var f = ImportLine().Match(line);
                if (dll != null && f.Success) list.Add((dll, f.Groups[1].Value));
                else if (line.Trim().Length == 0 && dll != null && list.Count > 0) { }
            }
            return list;
        }
        finally { Directory.Delete(dir, true); }
    }

    [GeneratedRegex(@"^\s*DLL Name: (.+)$")]
    private static partial Regex DllLine();

    // "	d370	  283  DeleteCriticalSection": the ILT entry's vma, the hint, the name
    [GeneratedRegex(@"^\t[0-9a-f]+\t\s*\d+\s+(\S+)\s*$")]
    private static partial Regex ImportLine();

    static (int, string) Run(string exe, string args, string dir)
    {
        var psi = new ProcessStartInfo(exe, args) { WorkingDirectory = dir, RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi)!;
        string o = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, o);
    }
}
