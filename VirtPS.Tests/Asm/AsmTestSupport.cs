using System.Diagnostics;
using Xunit;

namespace VirtPS.Tests.Asm;

/// <summary>Paths and the nasm runner shared by the assembler tests.</summary>
internal static class AsmTestSupport
{
    /// <summary>The folder holding VirtPS.sln, found by walking up from the test binaries.</summary>
    public static string? RepoRoot { get; } = FindRepoRoot();

    static string? FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "VirtPS.sln"))) return dir.FullName;
        return null;
    }

    /// <summary><c>&lt;repoRoot&gt;/../shared/bench/loop.asm</c>, where the shared benchmark lives beside the repository.</summary>
    public static string? LoopAsmPath =>
        RepoRoot is null ? null : Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared", "bench", "loop.asm"));

    /// <summary>A file committed next to these tests (read from the source tree, not copied to the output).</summary>
    public static string TestDataPath(string name) =>
        Path.Combine(RepoRoot ?? throw new InvalidOperationException("VirtPS.sln not found above " + AppContext.BaseDirectory),
            "VirtPS.Tests", "Asm", name);

    public static readonly bool NasmAvailable = FindOnPath("nasm") is not null;

    static string? FindOnPath(string exe)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator))
        {
            if (dir.Length == 0) continue;
            var full = Path.Combine(dir, exe);
            if (File.Exists(full)) return full;
            if (OperatingSystem.IsWindows() && File.Exists(full + ".exe")) return full + ".exe";
        }
        return null;
    }

    /// <summary>Runs <c>nasm -f bin</c> on <paramref name="source"/> and returns the image.</summary>
    public static byte[] RunNasm(string source, params string[] defines)
    {
        var dir = Directory.CreateTempSubdirectory("virtps-nasm-");
        try
        {
            var asm = Path.Combine(dir.FullName, "in.asm");
            var bin = Path.Combine(dir.FullName, "out.bin");
            File.WriteAllText(asm, source);
            var psi = new ProcessStartInfo("nasm") { RedirectStandardError = true, RedirectStandardOutput = true };
            psi.ArgumentList.Add("-f");
            psi.ArgumentList.Add("bin");
            foreach (var d in defines) psi.ArgumentList.Add("-D" + d);
            psi.ArgumentList.Add("-o");
            psi.ArgumentList.Add(bin);
            psi.ArgumentList.Add(asm);
            using var p = Process.Start(psi)!;
            string err = p.StandardError.ReadToEnd();
            p.WaitForExit();
            if (p.ExitCode != 0) throw new InvalidOperationException($"nasm failed ({p.ExitCode}): {err}");
            return File.ReadAllBytes(bin);
        }
        finally { dir.Delete(recursive: true); }
    }

    public static string Hex(byte[] bytes) => Convert.ToHexString(bytes).ToLowerInvariant();
}

/// <summary>A fact that needs nasm on PATH; reported as skipped (never passed) when it is missing.</summary>
public sealed class NasmFactAttribute : FactAttribute
{
    public NasmFactAttribute()
    {
        if (!AsmTestSupport.NasmAvailable) Skip = "nasm is not installed or not on PATH (apt-get install nasm)";
    }
}

/// <summary>A theory that needs nasm on PATH; reported as skipped (never passed) when it is missing.</summary>
public sealed class NasmTheoryAttribute : TheoryAttribute
{
    public NasmTheoryAttribute()
    {
        if (!AsmTestSupport.NasmAvailable) Skip = "nasm is not installed or not on PATH (apt-get install nasm)";
    }
}

/// <summary>A fact that needs the shared benchmark <c>../shared/bench/loop.asm</c>, and optionally nasm.</summary>
public sealed class LoopAsmFactAttribute : FactAttribute
{
    public LoopAsmFactAttribute(bool needsNasm = false)
    {
        var path = AsmTestSupport.LoopAsmPath;
        if (path is null || !File.Exists(path))
            Skip = $"shared benchmark not found: {path ?? "<repo root not found>/../shared/bench/loop.asm"}";
        else if (needsNasm && !AsmTestSupport.NasmAvailable)
            Skip = "nasm is not installed or not on PATH (apt-get install nasm)";
    }
}
