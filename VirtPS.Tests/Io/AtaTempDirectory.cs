namespace VirtPS.Tests.Io;

/// <summary>A fresh directory under the temp path for one test's images, deleted (with them) on dispose.</summary>
public sealed class AtaTempDirectory : IDisposable
{
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "virtps-ata-" + Guid.NewGuid().ToString("N"));
    public AtaTempDirectory() => Directory.CreateDirectory(Path);
    public string File(string name) => System.IO.Path.Combine(Path, name);
    public void Dispose()
    {
        if (!OperatingSystem.IsWindows())
            foreach (var f in Directory.EnumerateFiles(Path)) System.IO.File.SetUnixFileMode(f, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Directory.Delete(Path, recursive: true);
    }
}
