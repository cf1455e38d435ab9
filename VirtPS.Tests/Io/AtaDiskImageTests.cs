using VirtPS.Engine.Io;
using Xunit;

namespace VirtPS.Tests.Io;

/// <summary>
/// The raw image behind the ATA disk: created sparse with the size asked for, sector reads and writes that land at
/// lba * 512 of the real file, and every refusal with its error id and kind (nothing left behind by a refusal).
/// </summary>
public sealed class AtaDiskImageTests : IDisposable
{
    readonly AtaTempDirectory _dir = new();
    public void Dispose() => _dir.Dispose();

    static VirtPSException Refused(Func<DiskImage> open, string id, ErrorKind kind)
    {
        var e = Assert.Throws<VirtPSException>(() => open().Dispose());
        Assert.Equal(id, e.ErrorId);
        Assert.Equal(kind, e.Kind);
        return e;
    }

    [Fact]
    public void CreatesASparseImageOfTheGivenSize()
    {
        string path = _dir.File("new.img");
        using (var image = DiskImage.Open(path, sizeMB: 4))
        {
            Assert.Equal(8192, image.Sectors);
            Assert.Equal(4L << 20, image.Length);
            Assert.False(image.ReadOnly);
        }
        Assert.Equal(4L << 20, new FileInfo(path).Length);
        Assert.All(File.ReadAllBytes(path), b => Assert.Equal(0, b));
        using var again = DiskImage.Open(path, sizeMB: 99);               // an existing image keeps its length
        Assert.Equal(8192, again.Sectors);
    }

    [Fact]
    public void SectorsReadAndWriteAtLbaTimes512()
    {
        string path = _dir.File("rw.img");
        var content = new byte[32 * 512];
        new Random(5).NextBytes(content);
        File.WriteAllBytes(path, content);
        using var image = DiskImage.Open(path);
        Assert.Equal(32, image.Sectors);
        var buf = new byte[2 * 512];
        image.Read(9, buf);
        Assert.Equal(content[(9 * 512)..(11 * 512)], buf);

        var data = new byte[512];
        new Random(6).NextBytes(data);
        image.Write(31, data);
        image.Flush();
        using (var f = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite))
        {
            var got = new byte[512];
            f.Position = 31 * 512;
            f.ReadExactly(got);
            Assert.Equal(data, got);
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => image.Read(32, buf.AsSpan(0, 512)));
        Assert.Throws<ArgumentOutOfRangeException>(() => image.Write(31, buf));
        Assert.Throws<ArgumentException>(() => image.Read(0, new byte[100]));
    }

    [Fact]
    public void AMissingDirectoryIsImageDirectoryNotFound()
    {
        string path = Path.Combine(_dir.Path, "no-such-dir", "x.img");
        Refused(() => DiskImage.Open(path, sizeMB: 1), ErrorIds.ImageDirectoryNotFound, ErrorKind.ObjectNotFound);
        Assert.False(Directory.Exists(Path.GetDirectoryName(path)));
    }

    [Fact]
    public void AMissingFileWithoutASizeIsImageNotFound()
    {
        Refused(() => DiskImage.Open(_dir.File("absent.img")), ErrorIds.ImageNotFound, ErrorKind.ObjectNotFound);
        Refused(() => DiskImage.Open(_dir.File("absent.img"), sizeMB: 1, readOnly: true), ErrorIds.ImageNotFound, ErrorKind.ObjectNotFound);
        Assert.False(File.Exists(_dir.File("absent.img")));
    }

    [Fact]
    public void AnImageUnderOneSectorIsImageTooSmall()
    {
        File.WriteAllBytes(_dir.File("tiny.img"), new byte[100]);
        Refused(() => DiskImage.Open(_dir.File("tiny.img")), ErrorIds.ImageTooSmall, ErrorKind.InvalidData);
        File.WriteAllBytes(_dir.File("empty.img"), []);
        Refused(() => DiskImage.Open(_dir.File("empty.img")), ErrorIds.ImageTooSmall, ErrorKind.InvalidData);
        Refused(() => DiskImage.Open(_dir.File("zero.img"), sizeMB: 0), ErrorIds.ImageTooSmall, ErrorKind.InvalidData);
        Assert.False(File.Exists(_dir.File("zero.img")));                 // nothing left behind
    }

    [Fact]
    public void ALengthNotAWholeNumberOfSectorsIsRefusedNotRounded()
    {
        File.WriteAllBytes(_dir.File("odd.img"), new byte[1000]);
        var e = Refused(() => DiskImage.Open(_dir.File("odd.img")), ErrorIds.ImageSizeNotSectorMultiple, ErrorKind.InvalidData);
        Assert.Contains("1000", e.Message);
        Assert.Equal(1000, new FileInfo(_dir.File("odd.img")).Length);    // the file is not changed
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void AReadOnlyImageIsRefusedForWritingAndCannotBeWritten()
    {
        string path = _dir.File("ro.img");
        var content = new byte[8 * 512];
        new Random(9).NextBytes(content);
        File.WriteAllBytes(path, content);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead);   // 0444

        Refused(() => DiskImage.Open(path), ErrorIds.ImageReadOnly, ErrorKind.PermissionDenied);

        // Opened read-only it reads, and refuses a write; the file keeps its bytes.
        using (var image = DiskImage.Open(path, readOnly: true))
        {
            Assert.True(image.ReadOnly);
            var buf = new byte[512];
            image.Read(3, buf);
            Assert.Equal(content[(3 * 512)..(4 * 512)], buf);
            var e = Assert.Throws<VirtPSException>(() => image.Write(3, new byte[512]));
            Assert.Equal(ErrorIds.ImageReadOnly, e.ErrorId);
            Assert.Equal(ErrorKind.PermissionDenied, e.Kind);
        }
        Assert.Equal(content, File.ReadAllBytes(path));

        // A writable file opened read-only is refused writes the same way.
        string rw = _dir.File("rw.img");
        File.WriteAllBytes(rw, content);
        using (var image = DiskImage.Open(rw, readOnly: true))
            Assert.Equal(ErrorIds.ImageReadOnly, Assert.Throws<VirtPSException>(() => image.Write(0, new byte[512])).ErrorId);
        Assert.Equal(content, File.ReadAllBytes(rw));
    }
}
