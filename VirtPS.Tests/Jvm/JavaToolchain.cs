using System.Diagnostics;

namespace VirtPS.Tests.Jvm;

/// <summary>The real JDK (javac and java, OpenJDK 17 from Debian's openjdk-17-jdk-headless): compiles the tests' Java
/// sources into a temporary directory in one javac run, and runs a class on the real JVM for the expected output.</summary>
public static class JavaToolchain
{
    static string? Find(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Select(d => Path.Combine(d, tool)).FirstOrDefault(File.Exists);

    public static string? Javac { get; } = Find("javac");
    public static string? Java { get; } = Find("java");
    public static bool Available => Javac != null && Java != null;
    public const string SkipReason = "javac/java (OpenJDK 17) are not installed (apt-get install openjdk-17-jdk-headless)";

    /// <summary>Compiles <paramref name="sources"/> (file name, text) with javac --release 17 into a new temporary directory.</summary>
    public static string Compile(IReadOnlyDictionary<string, string> sources)
    {
        string dir = Path.Combine(Path.GetTempPath(), "virtps-java-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(dir);
        foreach (var (name, text) in sources) File.WriteAllText(Path.Combine(dir, name), text);
        var (code, output, errors) = Run(Javac!, ["--release", "17", "-d", dir, .. sources.Keys.Select(k => Path.Combine(dir, k))]);
        if (code != 0) throw new InvalidOperationException("javac failed:\n" + output + errors);
        return dir;
    }

    /// <summary>Runs <paramref name="mainClass"/> on the real JVM; its standard output (an uncaught exception goes to standard error).</summary>
    public static string RunJava(string classDir, string mainClass)
    {
        return Run(Java!, ["-Xshare:auto", "-XX:TieredStopAtLevel=1", "-cp", classDir, mainClass]).Stdout;
    }

    static (int Code, string Stdout, string Stderr) Run(string tool, IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        string stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, stdout.Result, stderr);
    }
}
