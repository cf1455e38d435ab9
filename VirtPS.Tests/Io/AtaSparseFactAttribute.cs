using Xunit;

namespace VirtPS.Tests.Io;

/// <summary>
/// A fact that needs a 200 GiB sparse file in the temp directory with a sector written beyond 2^28 sectors (128 GiB);
/// reported as skipped, with the file system's reason, where that cannot be made.
/// </summary>
public sealed class AtaSparseFactAttribute : FactAttribute
{
    public const long Size = 200L << 30;
    static readonly string? Reason = Probe();

    static string? Probe()
    {
        string path = Path.Combine(Path.GetTempPath(), "virtps-ata-sparse-probe-" + Guid.NewGuid().ToString("N"));
        try
        {
            using (var f = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite))
            {
                f.SetLength(Size);
                f.Position = (1L << 28) * 512 + 4096;
                f.Write(new byte[512]);
            }
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        { return $"the temp file system refuses a {Size >> 30} GiB sparse file: {e.Message}"; }
        finally { try { File.Delete(path); } catch (IOException) { } }
    }

    public AtaSparseFactAttribute() { if (Reason is not null) Skip = Reason; }
}
