using VirtPS.Engine.Io;
using VirtPS.Engine.Io.Ata;
using Xunit;
using static VirtPS.Tests.Io.AtaPioDriver;

namespace VirtPS.Tests.Io;

/// <summary>
/// The ATA disk driven only through the port bus, as a guest's PIO driver drives it, against real image files; what the
/// guest reads and writes is checked against the file read independently with System.IO.
/// </summary>
public sealed class AtaDiskTests : IDisposable
{
    readonly AtaTempDirectory _dir = new();
    readonly List<IDisposable> _open = [];

    public void Dispose() { foreach (var d in _open) d.Dispose(); _dir.Dispose(); }

    (AtaDisk disk, AtaPioDriver driver, PortBus bus) Attach(DiskImage image)
    {
        _open.Add(image);
        var bus = new PortBus();
        var disk = new AtaDisk(image);
        disk.Attach(bus);
        return (disk, new AtaPioDriver(bus), bus);
    }

    (AtaDisk disk, AtaPioDriver driver, PortBus bus) RandomDisk(int sectors, out byte[] content, int seed = 1)
    {
        string path = _dir.File("random.img");
        content = new byte[sectors * 512];
        new Random(seed).NextBytes(content);
        File.WriteAllBytes(path, content);
        return Attach(DiskImage.Open(path));
    }

    static byte[] FileBytes(string path, long offset, int count)
    {
        // Another open of the file, sharing it with the disk's open handle: what any host process sees right now.
        using var f = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        f.Position = offset;
        var b = new byte[count];
        f.ReadExactly(b);
        return b;
    }

    [Fact]
    public void IdentifyDeviceDescribesTheImage()
    {
        var (disk, d, _) = Attach(DiskImage.Open(_dir.File("id.img"), sizeMB: 8));
        var w = d.IdentifyDevice();
        long sectors = new FileInfo(_dir.File("id.img")).Length / 512;
        Assert.Equal(16384, sectors);

        Assert.Equal(0, w[0] & 0x8000);                                     // an ATA device
        Assert.Equal("VirtPS ATA disk".PadRight(40), IdentifyString(w, 27, 20));
        Assert.Equal("VPS-0001".PadRight(20), IdentifyString(w, 10, 10));
        Assert.Equal("1.0".PadRight(8), IdentifyString(w, 23, 4));
        Assert.Equal(0x80, w[47] >> 8);
        Assert.NotEqual(0, w[49] & 0x0200);                                 // LBA supported
        Assert.Equal(sectors, w[60] | (long)w[61] << 16);                   // LBA28 capacity
        Assert.Equal(sectors, w[100] | (long)w[101] << 16 | (long)w[102] << 32 | (long)w[103] << 48);
        Assert.Equal(0x4000, w[83] & 0xC000);                               // word 83 valid
        Assert.NotEqual(0, w[83] & 0x0400);                                 // 48-bit Address supported
        Assert.NotEqual(0, w[83] & 0x1000);                                 // FLUSH CACHE supported
        Assert.NotEqual(0, w[86] & 0x0400);                                 // 48-bit Address enabled
        Assert.NotEqual(0, w[86] & 0x1000);                                 // FLUSH CACHE enabled
        Assert.Equal(0xA5, w[255] & 0xFF);                                  // integrity word: signature, and ...
        Assert.Equal(0, w.Sum(x => (x & 0xFF) + (x >> 8)) & 0xFF);          // ... the 512 bytes sum to zero
        Assert.Equal(Drdy, d.Status());                                     // DRQ cleared after the last word
        Assert.Equal(1, disk.Commands[0xEC]);
        Assert.Equal(512, disk.BytesTransferred);
    }

    [Fact]
    public void ReadSectorsReturnsExactlyTheFilesBytes()
    {
        var (disk, d, _) = RandomDisk(2048, out _);
        var file = File.ReadAllBytes(disk.Image.Path);
        Assert.Equal(file[(5 * 512)..(8 * 512)], d.ReadSectors(5, 3));
        Assert.Equal(file[..(256 * 512)], d.ReadSectors(0, 0));              // count 0: 256 sectors
        Assert.Equal(file[(2047 * 512)..], d.ReadSectors(2047, 1));          // the last sector
        Assert.Equal(file[(1000 * 512)..(1010 * 512)], d.ReadSectors(1000, 10, ext: true));
        Assert.Equal(Drdy, d.Status());
        Assert.Equal(3 + 256 + 1 + 10, disk.SectorsRead);
        Assert.Equal(disk.SectorsRead * 512, disk.BytesTransferred);
        Assert.Equal(3, disk.Commands[0x20]);
        Assert.Equal(1, disk.Commands[0x24]);
        Assert.Equal(0, disk.SectorsWritten);
    }

    [Fact]
    public void WriteSectorsPutsExactlyThoseBytesInTheFile()
    {
        var (disk, d, _) = RandomDisk(64, out var before);
        var data = new byte[4 * 512];
        new Random(7).NextBytes(data);
        int interrupts = 0;
        disk.Interrupt = () => interrupts++;
        d.WriteSectors(7, data);
        Assert.Equal(Drdy, d.Status());
        Assert.Equal(4, interrupts);                                        // one per sector written
        // In the file as soon as the command completes: read by another open, the disk still open.
        Assert.Equal(data, FileBytes(disk.Image.Path, 7 * 512, data.Length));
        Assert.Equal(before[(6 * 512)..(7 * 512)], FileBytes(disk.Image.Path, 6 * 512, 512));      // neighbours untouched
        Assert.Equal(before[(11 * 512)..(12 * 512)], FileBytes(disk.Image.Path, 11 * 512, 512));

        var more = new byte[2 * 512];
        new Random(8).NextBytes(more);
        d.WriteSectors(40, more, ext: true);
        Assert.Equal(more, FileBytes(disk.Image.Path, 40 * 512, more.Length));
        Assert.Equal(6, disk.SectorsWritten);
        Assert.Equal(6 * 512, disk.BytesTransferred);
        Assert.Equal(1, disk.Commands[0x30]);
        Assert.Equal(1, disk.Commands[0x34]);

        var image = disk.Image;
        image.Dispose();
        var after = File.ReadAllBytes(image.Path);
        Assert.Equal(data, after[(7 * 512)..(11 * 512)]);
        Assert.Equal(more, after[(40 * 512)..(42 * 512)]);
        Assert.Equal(before[..(7 * 512)], after[..(7 * 512)]);
    }

    [Fact]
    public void FlushCacheCompletesWithAnInterruptAndNoError()
    {
        var (disk, d, _) = RandomDisk(16, out _);
        int interrupts = 0;
        disk.Interrupt = () => interrupts++;
        var data = new byte[512];
        data.AsSpan().Fill(0x5A);
        d.WriteSectors(3, data);
        interrupts = 0;
        Assert.Equal(Drdy, d.NonData(0xE7));      // FLUSH CACHE
        Assert.Equal(Drdy, d.NonData(0xEA));      // FLUSH CACHE EXT
        Assert.Equal(2, interrupts);
        Assert.Equal(1, disk.Commands[0xE7]);
        Assert.Equal(1, disk.Commands[0xEA]);
        Assert.Equal(data, FileBytes(disk.Image.Path, 3 * 512, 512));
    }

    [AtaSparseFact]
    public void Lba48ReachesBeyond2To28SectorsOfASparseImage()
    {
        string path = _dir.File("big.img");
        var (disk, d, _) = Attach(DiskImage.Open(path, sizeMB: AtaSparseFactAttribute.Size >> 20));
        long sectors = AtaSparseFactAttribute.Size / 512;
        var w = d.IdentifyDevice();
        Assert.Equal(0x0FFFFFFF, w[60] | w[61] << 16);                                  // LBA28 capacity saturates
        Assert.Equal(sectors, w[100] | (long)w[101] << 16 | (long)w[102] << 32 | (long)w[103] << 48);

        long lba = (1L << 28) + 12345;
        var data = new byte[2 * 512];
        new Random(3).NextBytes(data);
        d.WriteSectors(lba, data, ext: true);
        Assert.Equal(data, FileBytes(path, lba * 512, data.Length));                   // at lba*512 > 128 GiB
        Assert.Equal(data, d.ReadSectors(lba, 2, ext: true));
        Assert.Equal(new byte[512], d.ReadSectors(lba - 1, 1, ext: true));              // a hole reads as zeros

        var last = new byte[512];
        last.AsSpan().Fill(0xC3);
        d.WriteSectors(sectors - 1, last, ext: true);
        Assert.Equal(last, FileBytes(path, (sectors - 1) * 512, 512));
        Assert.Equal(AtaSparseFactAttribute.Size, new FileInfo(path).Length);
    }

    [Fact]
    public void AnUnknownCommandIsAbortedWithErrAndAbrt()
    {
        var (disk, d, _) = RandomDisk(16, out _);
        int interrupts = 0;
        disk.Interrupt = () => interrupts++;
        d.SelectDevice0();
        d.Issue(0x91);                                                  // INITIALIZE DEVICE PARAMETERS: not implemented
        byte s = d.WaitDrqOrError();
        Assert.Equal(Drdy | Err, s);
        Assert.Equal(Abrt, d.Error());
        Assert.Equal(1, interrupts);
        Assert.Equal(1, disk.Commands[0x91]);
        // The next command runs normally and clears the error.
        Assert.Equal(512, d.ReadSectors(0, 1).Length);
        Assert.Equal(0, d.Error());
        // CHS addressing (Device register LBA bit clear) is not implemented: READ SECTORS is aborted.
        d.Lba28(1, 1); d.Out(Device, 0xA0); d.Issue(0x20);
        Assert.Equal(Drdy | Err, d.WaitDrqOrError());
        Assert.Equal(Abrt, d.Error());
    }

    [Fact]
    public void ThirtyTwoBitDataAccessesMoveTwoWords()
    {
        var (disk, d, bus) = RandomDisk(16, out var content);
        d.Lba28(4, 1); d.Issue(0x20);
        Assert.Equal(Drdy | Drq, d.WaitDrqOrError());
        var got = new byte[512];
        for (int k = 0; k < 128; k++) BitConverter.TryWriteBytes(got.AsSpan(4 * k), (uint)bus.In(Data, 4));
        Assert.Equal(content[(4 * 512)..(5 * 512)], got);
        Assert.Equal(Drdy, d.Status());
        Assert.Equal(512, disk.BytesTransferred);
    }

    [Fact]
    public void AnLbaBeyondTheEndIsIdnfAndTouchesNothing()
    {
        var (disk, d, _) = RandomDisk(64, out var before);
        d.Lba28(64, 1); d.Issue(0x20);                                 // READ SECTORS at the first missing sector
        Assert.Equal(Drdy | Err, d.WaitDrqOrError());
        Assert.Equal(Idnf, d.Error());

        d.Lba28(63, 2); d.Issue(0x30);                                 // WRITE SECTORS running off the end
        Assert.Equal(Drdy | Err, d.WaitDrqOrError());
        Assert.Equal(Idnf, d.Error());

        d.Lba48(1L << 40, 1); d.Issue(0x24);                           // READ SECTORS EXT far beyond
        Assert.Equal(Drdy | Err, d.WaitDrqOrError());
        Assert.Equal(Idnf, d.Error());
        Assert.Equal(0, disk.SectorsRead);
        Assert.Equal(0, disk.SectorsWritten);
        Assert.Equal(before, FileBytes(disk.Image.Path, 0, before.Length));
    }

    [Fact]
    public void StatusReadClearsThePendingInterruptAndAlternateStatusDoesNot()
    {
        var (disk, d, bus) = RandomDisk(16, out _);
        int interrupts = 0;
        disk.Interrupt = () => interrupts++;
        d.Lba28(2, 2); d.Issue(0x20);
        Assert.Equal(1, interrupts);                                    // the first sector is ready
        Assert.True(disk.InterruptPending);
        Assert.Equal(Drdy | Drq, d.AltStatus());
        Assert.True(disk.InterruptPending);                             // alternate status leaves it pending
        Assert.Equal(Drdy | Drq, d.Status());
        Assert.False(disk.InterruptPending);                            // status acknowledges it
        for (int k = 0; k < 256; k++) bus.In(Data, 2);
        Assert.Equal(2, interrupts);                                    // the second sector is ready
        Assert.True(disk.InterruptPending);
        d.Status();
        for (int k = 0; k < 256; k++) bus.In(Data, 2);
        Assert.Equal(2, interrupts);                                    // data-in: no interrupt after the last block
        Assert.False(disk.InterruptPending);
        Assert.Equal(Drdy, d.Status());

        // nIEN: the device still completes and holds the interrupt pending, but INTRQ stays deasserted ...
        d.Out(Control, 0x02);
        d.SelectDevice0(); d.Issue(0xE7);
        Assert.Equal(2, interrupts);
        Assert.True(disk.InterruptPending);
        Assert.False(disk.Intrq);
        // ... until nIEN clears while it is pending.
        d.Out(Control, 0x00);
        Assert.Equal(3, interrupts);
        Assert.True(disk.Intrq);
        d.Status();
        Assert.False(disk.Intrq);
        Assert.Equal(3, disk.Interrupts);

        // Writing the Command register also clears a pending interrupt: WRITE SECTORS asks for its first sector
        // with DRQ and no interrupt, so nothing sets it again.
        d.SelectDevice0(); d.Issue(0xE7);
        Assert.True(disk.InterruptPending);
        d.Lba28(1, 1); d.Issue(0x30);
        Assert.False(disk.InterruptPending);
        Assert.Equal(Drdy | Drq, d.AltStatus());
    }

    [Fact]
    public void AWriteToAnImageOpenedReadOnlyIsAborted()
    {
        string path = _dir.File("ro.img");
        var content = new byte[16 * 512];
        new Random(11).NextBytes(content);
        File.WriteAllBytes(path, content);
        var (disk, d, _) = Attach(DiskImage.Open(path, readOnly: true));
        d.Lba28(2, 1); d.Issue(0x30);
        Assert.Equal(Drdy | Err, d.WaitDrqOrError());                   // ABRT, not a device fault
        Assert.Equal(Abrt, d.Error());
        Assert.Equal(content[(2 * 512)..(3 * 512)], d.ReadSectors(2, 1));
        Assert.Equal(0, disk.SectorsWritten);
        Assert.Equal(content, File.ReadAllBytes(path));
    }

    [Fact]
    public void AHostFileFailureIsADeviceFault()
    {
        var (disk, d, _) = RandomDisk(64, out var content);
        // The file is cut to 16 sectors behind the VMM's back: the image still believes it has 64.
        using (var f = new FileStream(disk.Image.Path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite)) f.SetLength(16 * 512);
        d.Lba28(20, 1); d.Issue(0x20);
        Assert.Equal(Drdy | Df | Err, d.WaitDrqOrError());
        Assert.Equal(Abrt, d.Error());
        Assert.Equal(1, disk.HostErrors);
        Assert.IsAssignableFrom<IOException>(disk.LastHostError);
        // A transfer that runs into the cut mid-way: the sectors before it arrive, then DF.
        d.Lba28(15, 2); d.Issue(0x20);
        Assert.Equal(Drdy | Drq, d.WaitDrqOrError());
        var first = new byte[512];
        for (int k = 0; k < 256; k++) { ushort v = (ushort)d.InWord(); first[2 * k] = (byte)v; first[2 * k + 1] = (byte)(v >> 8); }
        Assert.Equal(content[(15 * 512)..(16 * 512)], first);
        Assert.Equal(Drdy | Df | Err, d.Status());
        Assert.Equal(2, disk.HostErrors);
        // The device still works where the file is.
        Assert.Equal(content[..512], d.ReadSectors(0, 1));
    }

    [Fact]
    public void SoftwareResetPostsTheAtaSignature()
    {
        var (disk, d, _) = RandomDisk(16, out _);
        d.Lba28(0x0ABCDEF, 5);
        d.Issue(0x91);                                                  // leave an error behind
        d.Out(Control, 0x04);                                           // SRST
        Assert.Equal(Bsy, d.AltStatus() & Bsy);
        d.Issue(0xEC);                                                  // ignored while held in reset
        d.Out(Control, 0x00);
        Assert.Equal(Drdy, d.WaitNotBusy());
        Assert.Equal(1, d.In(Count));
        Assert.Equal(1, d.In(LbaLow));
        Assert.Equal(0, d.In(LbaMid));
        Assert.Equal(0, d.In(LbaHigh));
        Assert.Equal(0, d.In(Device));
        Assert.Equal(1, d.Error());                                     // diagnostic code 01h: device 0 passed
        Assert.False(disk.InterruptPending);
        Assert.False(disk.Commands.ContainsKey(0xEC));
    }

    [Fact]
    public void Device1IsAbsent()
    {
        var (disk, d, _) = RandomDisk(16, out _);
        d.Out(Device, 0xB0);                                            // DEV = 1
        Assert.Equal(0, d.Status());
        Assert.Equal(0, d.AltStatus());
        d.Issue(0xEC);                                                  // ignored
        Assert.Empty(disk.Commands);
        Assert.False(disk.InterruptPending);
        d.Out(Device, 0xA0);
        Assert.Equal(Drdy, d.Status());
    }

    [Fact]
    public void HobSelectsThePreviouslyWrittenByte()
    {
        var (_, d, _) = RandomDisk(16, out _);
        d.Out(LbaLow, 0x11); d.Out(LbaLow, 0x22);
        d.Out(Count, 0x33); d.Out(Count, 0x44);
        Assert.Equal(0x22, d.In(LbaLow));
        d.Out(Control, 0x80);                                           // HOB
        Assert.Equal(0x11, d.In(LbaLow));
        Assert.Equal(0x33, d.In(Count));
        d.Out(LbaMid, 0);                                               // a Command Block write clears HOB
        Assert.Equal(0x22, d.In(LbaLow));
    }

    [Fact]
    public void RegisterAccessesCountEveryInAndOutAtTheDisk()
    {
        var (disk, d, bus) = RandomDisk(16, out _);
        long before = bus.Accesses;
        d.ReadSectors(1, 2);
        d.NonData(0xE7);
        bus.In(0x1F8, 1);                                               // not the disk's port
        Assert.Equal(bus.Accesses - before - 1, disk.RegisterAccesses);
        Assert.Equal(2 * 512, disk.BytesTransferred);
    }
}
