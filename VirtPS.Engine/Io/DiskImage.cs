using Microsoft.Win32.SafeHandles;

namespace VirtPS.Engine.Io;

/// <summary>
/// A raw disk image: a file on the host whose byte <c>lba * 512 + i</c> is byte <c>i</c> of sector <c>lba</c>, as QEMU's
/// <c>raw</c> format and <c>dd</c> see it. Opened or created by <see cref="Open"/>; the emulated block devices read and
/// write whole sectors through it.
/// </summary>
/// <remarks>
/// <para>Writes are not buffered in the model: <see cref="Write"/> hands the bytes to the host OS (one <c>pwrite</c>) before
/// it returns, so another process reading the file sees them at once (from the OS page cache). <see cref="Flush"/> makes
/// them durable (<see cref="FileStream.Flush(bool)"/> with <c>true</c>: <c>fsync</c>), which is what the guest's
/// FLUSH CACHE asks for.</para>
/// <para>Sizes: an image is a whole number of 512-byte sectors, at least one. A new image gets <c>sizeMB</c> MiB (always
/// whole sectors), created sparse (<c>ftruncate</c>: no blocks are allocated until written). An existing file whose length
/// is not a multiple of 512 is refused (<see cref="ErrorIds.ImageSizeNotSectorMultiple"/>), never rounded: rounding down
/// would hide the tail of the user's file from the guest, rounding up would change the user's file.</para>
/// <para>Read-only: an image opened with <c>readOnly</c> is opened for reading only and refuses writes. An image whose
/// mode grants no write permission to anyone (no <c>w</c> bit, e.g. 0444) or that the OS refuses to open for writing is
/// refused when opened for writing (<see cref="ErrorIds.ImageReadOnly"/>) — also for root, whom the kernel would let
/// write: the mode bits are the user's statement that the image must not change.</para>
/// </remarks>
public sealed class DiskImage : IBlockStore, IDisposable
{
    public const int SectorSize = 512;
    const UnixFileMode AnyWrite = UnixFileMode.UserWrite | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite;

    readonly FileStream _file;

    DiskImage(FileStream file, string path, long sectors, bool readOnly)
    { _file = file; Path = path; Sectors = sectors; ReadOnly = readOnly; }

    /// <summary>The image file's full path.</summary>
    public string Path { get; }
    /// <summary>Whole 512-byte sectors in the image (its length / 512).</summary>
    public long Sectors { get; }
    /// <summary>Length in bytes (<see cref="Sectors"/> * 512).</summary>
    public long Length => Sectors * SectorSize;
    /// <summary>True when opened for reading only: <see cref="Write"/> is refused.</summary>
    public bool ReadOnly { get; }

    /// <summary>
    /// Opens the raw image at <paramref name="path"/>, or creates it (sparse, <paramref name="sizeMB"/> MiB) when it does
    /// not exist and a size is given. <paramref name="sizeMB"/> is used only to create: an existing image keeps its length.
    /// </summary>
    /// <exception cref="VirtPSException">
    /// <see cref="ErrorIds.ImageDirectoryNotFound"/> (the directory is missing), <see cref="ErrorIds.ImageNotFound"/> (no
    /// file and no size, or no file to open read-only), <see cref="ErrorIds.ImageTooSmall"/> (under one sector, or a size
    /// under 1 MiB to create), <see cref="ErrorIds.ImageSizeNotSectorMultiple"/>, <see cref="ErrorIds.ImageReadOnly"/>.
    /// </exception>
    public static DiskImage Open(string path, long? sizeMB = null, bool readOnly = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string full = System.IO.Path.GetFullPath(path);
        string dir = System.IO.Path.GetDirectoryName(full)!;
        if (!Directory.Exists(dir))
            throw new VirtPSException(ErrorIds.ImageDirectoryNotFound, ErrorKind.ObjectNotFound,
                $"Cannot open the disk image '{full}': the directory '{dir}' does not exist.", full);

        if (!File.Exists(full))
        {
            if (sizeMB is null || readOnly)
                throw new VirtPSException(ErrorIds.ImageNotFound, ErrorKind.ObjectNotFound,
                    readOnly ? $"The disk image '{full}' does not exist (a read-only image is never created)."
                             : $"The disk image '{full}' does not exist; give a size to create it.", full);
            if (sizeMB < 1)
                throw new VirtPSException(ErrorIds.ImageTooSmall, ErrorKind.InvalidData,
                    $"Cannot create the disk image '{full}' with {sizeMB} MiB: an image holds at least one {SectorSize}-byte sector (give 1 MiB or more).", full);
            var created = new FileStream(full, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.Read, bufferSize: 0, FileOptions.RandomAccess);
            try { created.SetLength(sizeMB.Value << 20); }   // ftruncate: sparse
            catch { created.Dispose(); File.Delete(full); throw; }
            return new DiskImage(created, full, (sizeMB.Value << 20) / SectorSize, readOnly: false);
        }

        long length = new FileInfo(full).Length;
        if (length < SectorSize)
            throw new VirtPSException(ErrorIds.ImageTooSmall, ErrorKind.InvalidData,
                $"The disk image '{full}' is {length} bytes: an image holds at least one {SectorSize}-byte sector.", full);
        if (length % SectorSize != 0)
            throw new VirtPSException(ErrorIds.ImageSizeNotSectorMultiple, ErrorKind.InvalidData,
                $"The disk image '{full}' is {length} bytes, not a whole number of {SectorSize}-byte sectors ({length % SectorSize} bytes over); it is refused, not rounded.", full);

        if (!readOnly && !OperatingSystem.IsWindows() && (File.GetUnixFileMode(full) & AnyWrite) == 0)
            throw ReadOnlyImage(full, "its mode grants no write permission (open it read-only, or chmod u+w)");
        if (!readOnly && File.GetAttributes(full).HasFlag(FileAttributes.ReadOnly))
            throw ReadOnlyImage(full, "it has the read-only attribute (open it read-only)");
        FileStream file;
        try
        {
            file = new FileStream(full, FileMode.Open, readOnly ? FileAccess.Read : FileAccess.ReadWrite,
                readOnly ? FileShare.ReadWrite : FileShare.Read, bufferSize: 0, FileOptions.RandomAccess);
        }
        catch (UnauthorizedAccessException e) when (!readOnly)
        { throw ReadOnlyImage(full, "the host refuses to open it for writing: " + e.Message, e); }
        return new DiskImage(file, full, length / SectorSize, readOnly);
    }

    static VirtPSException ReadOnlyImage(string full, string why, Exception? inner = null) =>
        new(ErrorIds.ImageReadOnly, ErrorKind.PermissionDenied, $"The disk image '{full}' is read-only: {why}.", full, inner);

    SafeFileHandle Handle => _file.SafeFileHandle;

    /// <summary>Reads <c>buffer.Length / 512</c> whole sectors starting at <paramref name="lba"/>.</summary>
    public void Read(long lba, Span<byte> buffer)
    {
        long offset = Check(lba, buffer.Length);
        while (buffer.Length > 0)
        {
            int n = RandomAccess.Read(Handle, buffer, offset);
            if (n <= 0) throw new EndOfStreamException($"The disk image '{Path}' ended at byte {offset} (was it truncated?).");
            buffer = buffer[n..]; offset += n;
        }
    }

    /// <summary>Writes <c>data.Length / 512</c> whole sectors starting at <paramref name="lba"/>: in the file when this returns.</summary>
    public void Write(long lba, ReadOnlySpan<byte> data)
    {
        if (ReadOnly) throw ReadOnlyImage(Path, "it was opened read-only");
        RandomAccess.Write(Handle, data, Check(lba, data.Length));
    }

    /// <summary>Makes every completed write durable (<c>fsync</c>).</summary>
    public void Flush() => _file.Flush(flushToDisk: true);

    long Check(long lba, int bytes)
    {
        if (bytes % SectorSize != 0) throw new ArgumentException($"A transfer is whole {SectorSize}-byte sectors, not {bytes} bytes.", nameof(bytes));
        long count = bytes / SectorSize;
        if (lba < 0 || lba > Sectors - count)
            throw new ArgumentOutOfRangeException(nameof(lba), lba, $"Sectors {lba}..{lba + count - 1} are outside the image's {Sectors} sectors.");
        return lba * SectorSize;
    }

    public void Dispose() => _file.Dispose();
}
