using VirtPS.Engine;
using VirtPS.Engine.Guests;
using VirtPS.Engine.Io;
using Xunit;

namespace VirtPS.Tests.Io;

/// <summary>The engine's decode of a virtqueue from guest memory (what Get-VVirtqueue shows) agrees with the test's own
/// parser, written from the struct layouts of virtio 1.2 §2.7, on a queue a guest's own driver code set up and the device
/// then consumed.</summary>
public class VirtqueueSnapshotTests
{
    [Fact]
    public void EngineDecodeAgreesWithTheSpecLayoutParser()
    {
        using var dir = new AtaTempDirectory();
        const ulong data = 0x310000;   // inside the guest: both requests complete
        var code = VirtPS.Engine.Asm.Assembler.Assemble(PassthroughIommuTests.Program(data), null, Guest.DefaultLoadAddress);
        var g = Guest.Create(new GuestSpec { Name = "vq", Style = VirtualizationStyle.HardwareAssisted, MemoryMB = 8, Image = code.Bytes });
        g.AddDisk(dir.File("d.img"), 1, IoMode.Paravirtual);
        g.Step(100_000);
        Assert.Equal(GuestState.Halted, g.State);

        var snap = g.ReadVirtqueue("vda")!;
        var mine = VirtqueueLayoutParser.Parse(g.Machine.Memory, snap.Size, snap.DescriptorTable, snap.AvailRing, snap.UsedRing);
        Assert.Equal(16, snap.Size);
        Assert.Equal(PassthroughIommuTests.Desc, snap.DescriptorTable);
        Assert.Equal(mine.Size, snap.Size);
        Assert.Equal(mine.AvailIdx, snap.AvailIdx);
        Assert.Equal(mine.AvailFlags, snap.AvailFlags);
        Assert.Equal(mine.UsedIdx, snap.UsedIdx);
        Assert.Equal(mine.UsedFlags, snap.UsedFlags);
        Assert.Equal(mine.UsedEvent, snap.UsedEvent);
        Assert.Equal(mine.AvailEvent, snap.AvailEvent);
        Assert.Equal(mine.AvailRing, snap.AvailEntries);
        Assert.Equal(mine.Descriptors.Select(d => (d.Addr, d.Len, d.Flags, d.Next)),
            snap.Descriptors.Select(d => (d.Address, d.Length, d.Flags, d.Next)));
        Assert.Equal(mine.UsedRing.Select(u => (u.Id, u.Len)), snap.UsedElements.Select(u => (u.Id, u.Length)));
        // What the program queued and the device consumed: two chains, heads 0 and 3, both used.
        Assert.Equal(2, snap.AvailIdx);
        Assert.Equal(2, snap.UsedIdx);
        Assert.Equal(2, snap.DeviceLastAvailIdx);
        Assert.Equal([0u, 3u], snap.UsedElements.Take(2).Select(u => u.Id));
        g.CloseDevices();
    }
}
