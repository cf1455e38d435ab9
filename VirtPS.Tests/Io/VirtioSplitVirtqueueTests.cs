using VirtPS.Engine.Io.Virtio;
using VirtPS.Engine.Memory;
using Xunit;

namespace VirtPS.Tests.Io;

/// <summary>The device side of a split virtqueue (virtio 1.2 §2.7) against a driver written from the spec.</summary>
public class VirtioSplitVirtqueueTests
{
    const int N = 16;
    const ulong DescAt = 0x1000, AvailAt = 0x2000, UsedAt = 0x3000, Heap = 0x10000;
    const ulong All = VirtqueueFeatures.Version1 | VirtqueueFeatures.EventIdx | VirtqueueFeatures.IndirectDesc;

    static (VirtioTestDriver Driver, SplitVirtqueue Queue) Make(ulong features = All, ulong memory = 1 << 20)
    {
        var mem = new PhysicalMemory(memory);
        var driver = new VirtioTestDriver(mem, N, DescAt, AvailAt, UsedAt, Heap, (features & VirtqueueFeatures.EventIdx) != 0);
        return (driver, new SplitVirtqueue(new GuestMemoryDma(mem), N, DescAt, AvailAt, UsedAt, features));
    }

    [Fact]
    public void PopsADirectChainAsReadableThenWritableBuffersAndPushesItsUsedElement()
    {
        var (d, q) = Make();
        ushort head = d.AddChain((0x20000, 16, false), (0x20100, 512, false), (0x20400, 1, true));
        Assert.False(q.TryPop(out _));            // offered but avail.idx not yet published
        d.Publish();
        Assert.True(q.TryPop(out var chain));
        Assert.Equal(head, chain!.Head);
        Assert.Equal([new VirtqBuffer(0x20000, 16, false), new VirtqBuffer(0x20100, 512, false)], chain.Readable);
        Assert.Equal([new VirtqBuffer(0x20400, 1, true)], chain.Writable);
        Assert.Equal(3, chain.DescriptorCount);
        Assert.False(q.TryPop(out _));
        Assert.True(q.Push(chain.Head, 1));
        Assert.Equal([((uint)head, 1u)], d.TakeUsed());
        Assert.Equal((1L, 3L, 528L, 1L), (q.Counters.ChainsProcessed, q.Counters.Descriptors, q.Counters.ReadableBytes, q.Counters.WrittenBytes));
        Assert.False(q.Broken);
    }

    [Fact]
    public void FollowsDirectDescriptorsThenOneIndirectTable()
    {
        var (d, q) = Make();
        // §2.7.5.3.2: zero or more direct descriptors followed by one indirect descriptor.
        ulong table = d.Alloc(16 * 3);
        d.WriteDesc(table, 0, 0x21000, 100, VirtioTestDriver.Next, 1);
        d.WriteDesc(table, 1, 0x22000, 200, VirtioTestDriver.Write | VirtioTestDriver.Next, 2);
        d.WriteDesc(table, 2, 0x23000, 1, VirtioTestDriver.Write, 0);
        d.WriteDesc(d.Desc, 5, 0x24000, 16, VirtioTestDriver.Next, 6);
        d.WriteDesc(d.Desc, 6, table, 48, VirtioTestDriver.Indirect | VirtioTestDriver.Write, 0);   // WRITE is ignored here
        d.Offer(5); d.Publish();
        Assert.True(q.TryPop(out var c));
        Assert.Equal([0x24000UL, 0x21000UL], c!.Readable.Select(b => b.Address));
        Assert.Equal([0x22000UL, 0x23000UL], c.Writable.Select(b => b.Address));
        Assert.Equal(5, c.DescriptorCount);
    }

    [Fact]
    public void ACycleInTheDescriptorTableBreaksTheQueueWithoutAnException()
    {
        var (d, q) = Make();
        d.WriteDesc(d.Desc, 0, 0x20000, 16, VirtioTestDriver.Next, 1);
        d.WriteDesc(d.Desc, 1, 0x20100, 16, VirtioTestDriver.Next, 2);
        d.WriteDesc(d.Desc, 2, 0x20200, 16, VirtioTestDriver.Next, 0);
        d.Offer(0); d.Publish();
        Assert.False(q.TryPop(out var c));
        Assert.Null(c);
        Assert.Equal(VirtqueueError.ChainTooLong, q.Error);
        Assert.True(q.Broken);
        Assert.False(q.TryPop(out _));
        Assert.False(q.Push(0, 0));
        Assert.Equal(0, d.UsedIdx);
    }

    [Fact]
    public void ACycleInsideAnIndirectTableBreaksTheQueue()
    {
        var (d, q) = Make();
        ulong table = d.Alloc(32);
        d.WriteDesc(table, 0, 0x20000, 16, VirtioTestDriver.Next, 1);
        d.WriteDesc(table, 1, 0x20100, 16, VirtioTestDriver.Next, 0);
        d.WriteDesc(d.Desc, 0, table, 32, VirtioTestDriver.Indirect, 0);
        d.Offer(0); d.Publish();
        Assert.False(q.TryPop(out _));
        Assert.Equal(VirtqueueError.ChainTooLong, q.Error);
    }

    public static TheoryData<string, VirtqueueError> Malformed => new()
    {
        { "next out of table", VirtqueueError.DescriptorIndexOutOfRange },
        { "more than 2^32 bytes", VirtqueueError.ChainTooLong },
        { "indirect with next", VirtqueueError.IndirectWithNext },
        { "nested indirect", VirtqueueError.NestedIndirect },
        { "indirect length", VirtqueueError.IndirectTableLength },
        { "readable after writable", VirtqueueError.ReadableAfterWritable },
        { "avail idx jump", VirtqueueError.AvailIndexOutOfRange },
        { "indirect table outside guest", VirtqueueError.DmaRefused },
        { "indirect table wrapping 2^64", VirtqueueError.DmaRefused },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void MalformedChainsAreDeviceErrors(string what, VirtqueueError expected)
    {
        var (d, q) = Make();
        ulong table = d.Alloc(32);
        switch (what)
        {
            case "next out of table": d.WriteDesc(d.Desc, 0, 0x20000, 16, VirtioTestDriver.Next, N); break;
            case "more than 2^32 bytes":   // §2.7.5.2
                d.WriteDesc(d.Desc, 0, 0x20000, 0x8000_0000, VirtioTestDriver.Next, 1);
                d.WriteDesc(d.Desc, 1, 0x20000, 0x8000_0000, VirtioTestDriver.Write, 0); break;
            case "indirect with next": d.WriteDesc(d.Desc, 0, table, 32, VirtioTestDriver.Indirect | VirtioTestDriver.Next, 1); break;
            case "nested indirect":
                d.WriteDesc(table, 0, table, 16, VirtioTestDriver.Indirect, 0);
                d.WriteDesc(d.Desc, 0, table, 16, VirtioTestDriver.Indirect, 0); break;
            case "indirect length": d.WriteDesc(d.Desc, 0, table, 24, VirtioTestDriver.Indirect, 0); break;
            case "readable after writable":
                d.WriteDesc(d.Desc, 0, 0x20000, 1, VirtioTestDriver.Write | VirtioTestDriver.Next, 1);
                d.WriteDesc(d.Desc, 1, 0x20100, 16, 0, 0); break;
            case "avail idx jump": for (int k = 0; k < N; k++) d.Offer(0); d.Offer(0); break;
            case "indirect table outside guest": d.WriteDesc(d.Desc, 0, 0x4000_0000, 32, VirtioTestDriver.Indirect, 0); break;
            case "indirect table wrapping 2^64": d.WriteDesc(d.Desc, 0, ulong.MaxValue - 15, 32, VirtioTestDriver.Indirect, 0); break;
        }
        if (what != "avail idx jump") d.Offer(0);
        d.Publish();
        Assert.False(q.TryPop(out _));
        Assert.Equal(expected, q.Error);
    }

    [Fact]
    public void IndirectWithoutTheFeatureIsADeviceError()
    {
        var (d, q) = Make(VirtqueueFeatures.Version1);
        ulong table = d.Alloc(16);
        d.WriteDesc(table, 0, 0x20000, 1, VirtioTestDriver.Write, 0);
        d.WriteDesc(d.Desc, 0, table, 16, VirtioTestDriver.Indirect, 0);
        d.Offer(0); d.Publish();
        Assert.False(q.TryPop(out _));
        Assert.Equal(VirtqueueError.IndirectNotNegotiated, q.Error);
    }

    [Fact]
    public void RingsOutsideGuestMemoryAreRefusedDmaNotHostExceptions()
    {
        var mem = new PhysicalMemory(64 * 1024);
        var q = new SplitVirtqueue(new GuestMemoryDma(mem), N, 0x100000, 0x200000, 0x300000, All);
        Assert.False(q.TryPop(out _));
        Assert.Equal(VirtqueueError.DmaRefused, q.Error);
        Assert.False(q.ShouldInterrupt());
    }

    [Fact]
    public void MisalignedAreasAndBadSizes()
    {
        var dma = new GuestMemoryDma(new PhysicalMemory(1 << 20));
        Assert.Equal(VirtqueueError.Misaligned, new SplitVirtqueue(dma, N, 0x1008, AvailAt, UsedAt, All).Error);
        Assert.Equal(VirtqueueError.Misaligned, new SplitVirtqueue(dma, N, DescAt, AvailAt, 0x3002, All).Error);
        Assert.Equal(VirtqueueError.DmaRefused, new SplitVirtqueue(dma, N, DescAt, AvailAt, ulong.MaxValue - 63, All).Error);
        Assert.Throws<ArgumentOutOfRangeException>(() => new SplitVirtqueue(dma, 24, DescAt, AvailAt, UsedAt, All));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SplitVirtqueue(dma, 65536, DescAt, AvailAt, UsedAt, All));
        Assert.True(SplitVirtqueue.IsValidSize(32768));
    }

    [Theory]
    [InlineData((ushort)0, (ushort)0, (ushort)1, true)]
    [InlineData((ushort)2, (ushort)0, (ushort)4, true)]
    [InlineData((ushort)3, (ushort)0, (ushort)4, true)]
    [InlineData((ushort)4, (ushort)0, (ushort)4, false)]
    [InlineData((ushort)9, (ushort)4, (ushort)8, false)]
    [InlineData((ushort)65535, (ushort)65534, (ushort)2, true)]   // wraps around 2^16
    [InlineData((ushort)3, (ushort)65534, (ushort)2, false)]
    public void NeedEventIsTheSpecsRule(ushort eventIdx, ushort oldIdx, ushort newIdx, bool expected)
    {
        // §2.7.7.2: notify iff the used index passed used_event, i.e. used_event in [old, new) modulo 2^16.
        bool byDefinition = false;
        for (ushort i = oldIdx; i != newIdx; i++) byDefinition |= i == eventIdx;
        Assert.Equal(expected, byDefinition);
        Assert.Equal(expected, VirtqueueFeatures.NeedEvent(eventIdx, newIdx, oldIdx));
    }

    [Fact]
    public void WithoutEventIdxTheDeviceObeysNoInterrupt()
    {
        var (d, q) = Make(VirtqueueFeatures.Version1);
        d.AddChain((0x20000, 1, true)); d.Publish();
        q.TryPop(out var c); q.Push(c!.Head, 1);
        Assert.True(q.ShouldInterrupt());
        Assert.False(q.ShouldInterrupt());   // nothing new since the last decision
        d.SetAvailFlags(1);
        d.AddChain((0x20000, 1, true)); d.Publish();
        q.TryPop(out c); q.Push(c!.Head, 1);
        Assert.False(q.ShouldInterrupt());
        Assert.Equal((1L, 1L), (q.Counters.InterruptsSent, q.Counters.InterruptsSuppressed));
    }

    [Fact]
    public void WithEventIdxTheDeviceIgnoresTheFlagAndFollowsUsedEvent()
    {
        var (d, q) = Make();
        d.SetAvailFlags(1);   // §2.7.7.2: with EVENT_IDX the device MUST ignore the lower bit of flags
        d.SetUsedEvent(2);    // "interrupt me when the used entry at index 2 is written"
        for (int k = 0; k < 4; k++) d.AddChain((0x20000, 1, true));
        d.Publish();
        for (int k = 0; k < 2; k++) { q.TryPop(out var c); q.Push(c!.Head, 1); }
        Assert.False(q.ShouldInterrupt());   // used.idx 0 -> 2: entries 0 and 1 written
        for (int k = 0; k < 2; k++) { q.TryPop(out var c); q.Push(c!.Head, 1); }
        Assert.True(q.ShouldInterrupt());    // 2 -> 4: entry 2 written
    }

    [Fact]
    public void TheDevicePublishesAvailEventSoTheDriverSuppressesKicks()
    {
        var (d, q) = Make();
        for (int k = 0; k < 3; k++) d.AddChain((0x20000, 1, true));
        d.Publish();
        q.DisableNotifications();
        while (q.TryPop(out var c)) q.Push(c!.Head, 1);
        Assert.Equal(0, d.UsedFlags);               // §2.7.10.2: with EVENT_IDX used.flags stays 0
        Assert.False(q.EnableNotifications());       // nothing more available
        Assert.Equal(3, d.AvailEvent);               // "kick me when you add entry 3"
        ushort old = d.AvailIdx;
        d.AddChain((0x20000, 1, true)); d.Publish();
        Assert.True(d.ShouldKick(old));              // entry 3 added: kick
        old = d.AvailIdx;
        d.AddChain((0x20000, 1, true)); d.Publish();
        Assert.False(d.ShouldKick(old));             // device has not caught up and re-armed: no kick
    }

    [Fact]
    public void WithoutEventIdxTheDeviceUsesNoNotify()
    {
        var (d, q) = Make(VirtqueueFeatures.Version1);
        q.DisableNotifications();
        Assert.Equal(1, d.UsedFlags);
        Assert.False(d.ShouldKick(d.AvailIdx));
        d.AddChain((0x20000, 1, true)); d.Publish();
        Assert.True(q.EnableNotifications());        // enabled, and a chain arrived meanwhile
        Assert.Equal(0, d.UsedFlags);
    }
}
