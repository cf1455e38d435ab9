using System.Buffers.Binary;
using System.Text;
using VirtPS.Engine.Io.Virtio;
using VirtPS.Engine.Memory;
using Xunit;

namespace VirtPS.Tests.Io;

/// <summary>The virtio-blk backend (virtio 1.2 §5.2) driven by a test driver written from the spec, checked against
/// the backing store read independently.</summary>
public class VirtioBlkDeviceTests
{
    const int N = 32;
    const ulong DescAt = 0x1000, AvailAt = 0x2000, UsedAt = 0x3000, Heap = 0x10000;
    const long Sectors = 64;

    sealed record Rig(VirtioTestDriver Driver, VirtioBlkDevice Device, MemoryBlockStore Store, PhysicalMemory Mem);

    static Rig Make(bool eventIdx = true, bool driverEventIdx = true, ulong memory = 1 << 20)
    {
        var mem = new PhysicalMemory(memory);
        var store = new MemoryBlockStore(Sectors);
        for (int i = 0; i < store.Data.Length; i++) store.Data[i] = (byte)(i * 7 + i / 512);
        var device = new VirtioBlkDevice(store, new GuestMemoryDma(mem), "disk-0", offerEventIdx: eventIdx);
        ulong wanted = VirtqueueFeatures.Version1 | VirtqueueFeatures.IndirectDesc | VirtioBlkFeatures.Flush
            | (driverEventIdx ? VirtqueueFeatures.EventIdx : 0);
        ulong negotiated = device.Negotiate(wanted);
        var driver = new VirtioTestDriver(mem, N, DescAt, AvailAt, UsedAt, Heap, (negotiated & VirtqueueFeatures.EventIdx) != 0);
        device.SetUpQueue(N, DescAt, AvailAt, UsedAt);
        return new Rig(driver, device, store, mem);
    }

    static byte[] StoreBytes(MemoryBlockStore s, long sector, int length) => s.Data.AsSpan((int)(sector * 512), length).ToArray();

    [Fact]
    public void IdentityFeaturesAndConfigSpace()
    {
        var r = Make();
        Assert.Equal(2, VirtioBlkDevice.DeviceId);
        foreach (var f in new[] { VirtqueueFeatures.Version1, VirtqueueFeatures.EventIdx, VirtqueueFeatures.IndirectDesc, VirtioBlkFeatures.Flush, VirtioBlkFeatures.SegMax })
            Assert.NotEqual(0UL, r.Device.DeviceFeatures & f);
        var config = new byte[VirtioBlkDevice.ConfigSize + 4];
        r.Device.ReadConfig(0, config);
        Assert.Equal((ulong)Sectors, BinaryPrimitives.ReadUInt64LittleEndian(config));           // capacity @0
        Assert.Equal(VirtioBlkDevice.SegMaxValue, BinaryPrimitives.ReadUInt32LittleEndian(config.AsSpan(12)));   // seg_max @12
        Assert.Equal(512u, BinaryPrimitives.ReadUInt32LittleEndian(config.AsSpan(20)));           // blk_size @20
        Assert.Equal(1, BinaryPrimitives.ReadUInt16LittleEndian(config.AsSpan(34)));              // num_queues @34
        Assert.All(config[VirtioBlkDevice.ConfigSize..], b => Assert.Equal(0, b));
        var piece = new byte[4];
        r.Device.ReadConfig(12, piece);
        Assert.Equal(VirtioBlkDevice.SegMaxValue, BinaryPrimitives.ReadUInt32LittleEndian(piece));
        Assert.Equal(0UL, new VirtioBlkDevice(r.Store, new GuestMemoryDma(r.Mem), offerEventIdx: false).DeviceFeatures & VirtqueueFeatures.EventIdx);
    }

    [Fact]
    public void ReadIntoADirectChainOfTwoDataSegments()
    {
        var r = Make();
        var req = r.Driver.AddBlk(VirtioTestDriver.TypeIn, 3, 1024, segments: 2);
        r.Driver.Publish();
        r.Device.ProcessQueue();
        Assert.Equal([((uint)req.Head, 1025u)], r.Driver.TakeUsed());   // data + status byte written
        Assert.Equal(0, r.Driver.StatusOf(req));
        Assert.Equal(StoreBytes(r.Store, 3, 1024), r.Mem.Read(req.Data, 1024));
        Assert.Equal(2L, r.Device.SectorsRead);
    }

    [Fact]
    public void WriteThroughAnIndirectTable()
    {
        var r = Make();
        var data = Enumerable.Range(0, 1536).Select(i => (byte)(255 - i % 251)).ToArray();
        ulong table = r.Driver.Alloc(16 * 8);
        var req = r.Driver.AddBlk(VirtioTestDriver.TypeOut, 10, data.Length, data, segments: 3, indirectTable: table);
        r.Driver.Publish();
        var before9 = StoreBytes(r.Store, 9, 512);
        r.Device.ProcessQueue();
        Assert.Equal([((uint)req.Head, 1u)], r.Driver.TakeUsed());
        Assert.Equal(0, r.Driver.StatusOf(req));
        Assert.Equal(data, StoreBytes(r.Store, 10, 1536));
        Assert.Equal(before9, StoreBytes(r.Store, 9, 512));               // nothing outside the request changed
        var parsed = VirtqueueLayoutParser.ParseTable(r.Mem, table, 5);     // header, 3 data segments, status
        Assert.True(parsed[4].DeviceWrites && !parsed[4].HasNext);
        Assert.Equal(5L, r.Device.RequestQueue!.Counters.Descriptors - 1);  // + the indirect descriptor itself
    }

    [Fact]
    public void FlushGetIdAndAnUnknownType()
    {
        var r = Make();
        var flush = r.Driver.AddBlk(VirtioTestDriver.TypeFlush, 0, 0);
        var id = r.Driver.AddBlk(VirtioTestDriver.TypeGetId, 0, 20);
        var bogus = r.Driver.AddBlk(99, 0, 0);
        r.Driver.Publish();
        r.Device.ProcessQueue();
        Assert.Equal(3, r.Driver.TakeUsed().Count);
        Assert.Equal((0, 0, 2), (r.Driver.StatusOf(flush), r.Driver.StatusOf(id), r.Driver.StatusOf(bogus)));
        Assert.Equal(1, r.Store.Flushes);
        var expected = new byte[20]; Encoding.ASCII.GetBytes("disk-0").CopyTo(expected, 0);
        Assert.Equal(expected, r.Mem.Read(id.Data, 20));
        Assert.Equal(1L, r.Device.Unsupported);
    }

    [Fact]
    public void WithoutNegotiatedFlushWritesAreWrittenThrough()
    {
        // §5.2.6.2: FLUSH offered but not negotiated makes every completed write stable: the device commits it first.
        var mem = new PhysicalMemory(1 << 20);
        var store = new MemoryBlockStore(Sectors);
        var device = new VirtioBlkDevice(store, new GuestMemoryDma(mem));
        device.Negotiate(VirtqueueFeatures.Version1);
        var driver = new VirtioTestDriver(mem, N, DescAt, AvailAt, UsedAt, Heap, eventIdx: false);
        device.SetUpQueue(N, DescAt, AvailAt, UsedAt);
        driver.AddBlk(VirtioTestDriver.TypeOut, 0, 512, new byte[512]);
        driver.AddBlk(VirtioTestDriver.TypeIn, 0, 512);
        driver.Publish();
        device.ProcessQueue();
        Assert.Equal(1, store.Flushes);   // the write, not the read

        var r = Make();                   // FLUSH negotiated: writes wait for a FLUSH request
        r.Driver.AddBlk(VirtioTestDriver.TypeOut, 0, 512, new byte[512]); r.Driver.Publish();
        r.Device.ProcessQueue();
        Assert.Equal(0, r.Store.Flushes);
    }

    [Fact]
    public void OneNotificationServesABatch()
    {
        var r = Make();
        var reqs = Enumerable.Range(0, 8).Select(i => r.Driver.AddBlk(VirtioTestDriver.TypeIn, (ulong)i, 512)).ToList();
        r.Driver.Publish();
        r.Device.ProcessQueue();
        var used = r.Driver.TakeUsed();
        Assert.Equal(reqs.Select(q => (uint)q.Head), used.Select(u => u.Id));
        Assert.All(reqs, q => Assert.Equal(StoreBytes(r.Store, reqs.IndexOf(q), 512), r.Mem.Read(q.Data, 512)));
        var c = r.Device.RequestQueue!.Counters;
        Assert.Equal((1L, 8L), (c.NotificationsReceived, c.ChainsProcessed));
        Assert.Equal(8, r.Device.RequestQueue.LastAvailIdx);
    }

    /// <summary>Three batches of four reads each; the driver sets used_event once (to the last request of the first batch,
    /// as a driver that wants one interrupt per "enough work" does) and then is busy.</summary>
    static (int Interrupts, List<bool> Decisions, Rig Rig) RunBatches(bool eventIdx, ushort availFlags = 0)
    {
        var r = Make(eventIdx);
        r.Driver.SetAvailFlags(availFlags);
        r.Driver.SetUsedEvent(3);
        var decisions = new List<bool>();
        ushort oldUsed = 0;
        for (int b = 0; b < 3; b++)
        {
            for (int k = 0; k < 4; k++) r.Driver.AddBlk(VirtioTestDriver.TypeIn, (ulong)(4 * b + k), 512);
            r.Driver.Publish();
            bool irq = r.Device.ProcessQueue();
            ushort newUsed = r.Driver.UsedIdx;
            // The driver's own expectation from the spec (§2.7.7.2): EVENT_IDX notifies iff used_event in [old, new).
            bool expected = eventIdx ? (ushort)(newUsed - 3 - 1) < (ushort)(newUsed - oldUsed) : (availFlags & 1) == 0;
            Assert.Equal(expected, irq);
            decisions.Add(irq);
            oldUsed = newUsed;
            Assert.Equal(4, r.Driver.TakeUsed().Count);   // the driver reaps (polling) but leaves used_event alone
        }
        return (decisions.Count(x => x), decisions, r);
    }

    [Fact]
    public void EventIdxInterruptsFollowVringNeedEventAndSaveInterrupts()
    {
        var on = RunBatches(eventIdx: true);
        var off = RunBatches(eventIdx: false);
        var offMasked = RunBatches(eventIdx: false, availFlags: 1);
        Assert.Equal([true, false, false], on.Decisions);       // used_event 3 lies in the first batch only
        Assert.Equal(3, off.Interrupts);                         // one per batch
        Assert.Equal(0, offMasked.Interrupts);                   // VIRTQ_AVAIL_F_NO_INTERRUPT
        Assert.True(on.Interrupts < 12 && on.Interrupts < off.Interrupts);
        var c = on.Rig.Device.RequestQueue!.Counters;
        Assert.Equal((1L, 2L, 12L), (c.InterruptsSent, c.InterruptsSuppressed, c.ChainsProcessed));
        Assert.True(on.Rig.Device.RequestQueue.EventIdx);
        Assert.False(off.Rig.Device.RequestQueue!.EventIdx);
        Assert.Equal(12, on.Rig.Driver.AvailEvent);              // re-armed after each batch: "kick me at entry 12"
    }

    [Fact]
    public void ACycleMakesTheDeviceNeedAResetWithoutAnException()
    {
        var r = Make();
        r.Driver.WriteDesc(r.Driver.Desc, 0, 0x20000, 16, VirtioTestDriver.Next, 1);
        r.Driver.WriteDesc(r.Driver.Desc, 1, 0x20100, 512, VirtioTestDriver.Write | VirtioTestDriver.Next, 2);
        r.Driver.WriteDesc(r.Driver.Desc, 2, 0x20400, 1, VirtioTestDriver.Write | VirtioTestDriver.Next, 1);   // back to 1
        r.Driver.Offer(0); r.Driver.Publish();
        Assert.False(r.Device.ProcessQueue());
        Assert.True(r.Device.NeedsReset);
        Assert.Equal(VirtqueueError.ChainTooLong, r.Device.RequestQueue!.Error);
        Assert.Equal(0, r.Driver.UsedIdx);
        Assert.False(r.Device.ProcessQueue());   // stays quiet until reset
    }

    [Fact]
    public void ADataBufferOutsideGuestMemoryCompletesWithIoErr()
    {
        var r = Make(memory: 256 * 1024);
        var before = StoreBytes(r.Store, 0, 1024);
        var write = r.Driver.AddBlk(VirtioTestDriver.TypeOut, 0, 1024, dataAt: 0x10_0000_0000);
        var read = r.Driver.AddBlk(VirtioTestDriver.TypeIn, 0, 512, dataAt: 0x3FF00);   // straddles the end of memory
        var fine = r.Driver.AddBlk(VirtioTestDriver.TypeIn, 1, 512);
        r.Driver.Publish();
        r.Device.ProcessQueue();
        Assert.Equal(3, r.Driver.TakeUsed().Count);
        Assert.Equal((1, 1, 0), (r.Driver.StatusOf(write), r.Driver.StatusOf(read), r.Driver.StatusOf(fine)));
        Assert.Equal(before, StoreBytes(r.Store, 0, 1024));
        Assert.False(r.Device.NeedsReset);
        Assert.Equal(2L, r.Device.IoErrors);
    }

    [Fact]
    public void ABufferWrappingPastTheTopOfTheAddressSpaceIsRefusedNotAliasedToLowMemory()
    {
        var r = Make();
        ulong hdr = r.Driver.Alloc(16);
        r.Driver.U32(hdr, VirtioTestDriver.TypeIn);
        // One writable buffer for data and status; its status byte (offset 512) would wrap to guest address 496.
        r.Driver.AddChain((hdr, 16, false), (ulong.MaxValue - 15, 513, true));
        r.Driver.Publish();
        Assert.False(r.Device.ProcessQueue());
        Assert.Equal(new byte[1024], r.Mem.Read(0, 1024));
        Assert.Equal(VirtqueueError.DmaRefused, r.Device.RequestQueue!.Error);
    }

    [Fact]
    public void AStatusByteOutsideGuestMemoryIsADeviceError()
    {
        var r = Make(memory: 256 * 1024);
        r.Driver.AddBlk(VirtioTestDriver.TypeFlush, 0, 0, statusAt: 0x8000_0000);
        r.Driver.Publish();
        Assert.False(r.Device.ProcessQueue());
        Assert.True(r.Device.NeedsReset);
        Assert.Equal(VirtqueueError.DmaRefused, r.Device.RequestQueue!.Error);
    }

    [Fact]
    public void AChainWithoutRoomForHeaderOrStatusIsADeviceError()
    {
        var r = Make();
        r.Driver.AddChain((r.Driver.Alloc(16), 16, false));   // header only, no status byte
        r.Driver.Publish();
        r.Device.ProcessQueue();
        Assert.Equal(VirtqueueError.MalformedRequest, r.Device.RequestQueue!.Error);
    }

    [Fact]
    public void RequestsTheDeviceCannotPerformCompleteWithIoErr()
    {
        var r = Make();
        var past = r.Driver.AddBlk(VirtioTestDriver.TypeIn, Sectors - 1, 1024);       // runs past capacity
        var huge = r.Driver.AddBlk(VirtioTestDriver.TypeOut, ulong.MaxValue, 512);     // sector overflow
        var odd = r.Driver.AddBlk(VirtioTestDriver.TypeIn, 0, 100);                    // not a multiple of 512
        var shortId = r.Driver.AddBlk(VirtioTestDriver.TypeGetId, 0, 8);               // no room for 20 bytes
        r.Driver.Publish();
        r.Device.ProcessQueue();
        Assert.All(new[] { past, huge, odd, shortId }, q => Assert.Equal(1, r.Driver.StatusOf(q)));
        r.Store.FailNext = true;
        var failing = r.Driver.AddBlk(VirtioTestDriver.TypeIn, 0, 512);
        r.Driver.Publish();
        r.Device.ProcessQueue();
        Assert.Equal(1, r.Driver.StatusOf(failing));
        Assert.Equal(5, r.Driver.TakeUsed().Count);
        Assert.False(r.Device.NeedsReset);
    }

    [Fact]
    public void TheLayoutParserDecodesWhatDriverAndDeviceWrote()
    {
        var r = Make();
        r.Driver.SetUsedEvent(7);
        var a = r.Driver.AddBlk(VirtioTestDriver.TypeIn, 5, 512);
        var b = r.Driver.AddBlk(VirtioTestDriver.TypeOut, 6, 512, new byte[512]);
        r.Driver.Publish();
        r.Device.ProcessQueue();
        var s = VirtqueueLayoutParser.Parse(r.Mem, N, DescAt, AvailAt, UsedAt);
        Assert.Equal((2, 2, 7, 2), (s.AvailIdx, s.UsedIdx, s.UsedEvent, s.AvailEvent));
        Assert.Equal([a.Head, b.Head], s.Offered(0));
        var d0 = s.Descriptors[a.Head];
        Assert.Equal((a.Header, 16u, true, false), (d0.Addr, d0.Len, d0.HasNext, d0.DeviceWrites));
        var d1 = s.Descriptors[d0.Next];
        Assert.Equal((a.Data, 512u, true, true), (d1.Addr, d1.Len, d1.HasNext, d1.DeviceWrites));
        var d2 = s.Descriptors[d1.Next];
        Assert.Equal((a.Status, 1u, false, true), (d2.Addr, d2.Len, d2.HasNext, d2.DeviceWrites));
        Assert.Equal(new VirtqueueLayoutParser.UsedElement(a.Head, 513), s.UsedRing[0]);
        Assert.Equal(new VirtqueueLayoutParser.UsedElement(b.Head, 1), s.UsedRing[1]);
        Assert.Equal(0, s.UsedFlags);
    }
}
