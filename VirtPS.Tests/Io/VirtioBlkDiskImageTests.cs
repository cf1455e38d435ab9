using VirtPS.Engine.Io;
using VirtPS.Engine.Io.Virtio;
using VirtPS.Engine.Memory;
using Xunit;

namespace VirtPS.Tests.Io;

/// <summary>virtio-blk over a real raw image file (<see cref="DiskImage"/> as its <see cref="IBlockStore"/>): what the
/// driver reads is the file's bytes, what it writes is in the file when the request completes (both read with
/// System.IO), and a write to a read-only image fails the request, not the host.</summary>
public class VirtioBlkDiskImageTests
{
    const ulong Desc = 0x1000, Avail = 0x2000, Used = 0x3000, Heap = 0x10000;
    const int N = 16;

    static (VirtioTestDriver Driver, VirtioBlkDevice Device, PhysicalMemory Mem) Setup(DiskImage image)
    {
        var mem = new PhysicalMemory(1 << 20);
        var driver = new VirtioTestDriver(mem, N, Desc, Avail, Used, Heap, eventIdx: false);
        var device = new VirtioBlkDevice(image, new GuestMemoryDma(mem), "disk-0", offerEventIdx: false);
        device.Negotiate(device.DeviceFeatures);
        device.SetUpQueue(N, Desc, Avail, Used);
        return (driver, device, mem);
    }

    [Fact]
    public void ReadsTheFilesBytesAndWritesLandInTheFile()
    {
        using var dir = new AtaTempDirectory();
        string path = Path.Combine(dir.Path, "disk.img");
        var bytes = new byte[64 * 512];
        new Random(7).NextBytes(bytes);
        File.WriteAllBytes(path, bytes);
        using (var image = DiskImage.Open(path))
        {
            var (driver, device, mem) = Setup(image);
            var read = driver.AddBlk(VirtioTestDriver.TypeIn, sector: 5, dataLength: 3 * 512);
            var payload = new byte[2 * 512];
            new Random(8).NextBytes(payload);
            var write = driver.AddBlk(VirtioTestDriver.TypeOut, sector: 40, dataLength: payload.Length, payload);
            driver.Publish();
            device.ProcessQueue();
            Assert.Equal((byte)VirtioBlkStatus.Ok, mem.Read(read.Status, 1)[0]);
            Assert.Equal((byte)VirtioBlkStatus.Ok, mem.Read(write.Status, 1)[0]);
            Assert.Equal(bytes.AsSpan(5 * 512, 3 * 512).ToArray(), mem.Read(read.Data, 3 * 512));
            using var check = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            var landed = new byte[payload.Length];
            check.Seek(40 * 512, SeekOrigin.Begin);
            check.ReadExactly(landed);
            Assert.Equal(payload, landed);
        }
    }

    [Fact]
    public void AWriteToAReadOnlyImageFailsTheRequestNotTheHost()
    {
        using var dir = new AtaTempDirectory();
        string path = Path.Combine(dir.Path, "ro.img");
        File.WriteAllBytes(path, new byte[16 * 512]);
        using var image = DiskImage.Open(path, readOnly: true);
        var (driver, device, mem) = Setup(image);
        var write = driver.AddBlk(VirtioTestDriver.TypeOut, sector: 1, dataLength: 512, Enumerable.Repeat((byte)0xAB, 512).ToArray());
        driver.Publish();
        device.ProcessQueue();
        Assert.Equal((byte)VirtioBlkStatus.IoErr, mem.Read(write.Status, 1)[0]);
        Assert.All(File.ReadAllBytes(path), b => Assert.Equal(0, b));
    }
}
