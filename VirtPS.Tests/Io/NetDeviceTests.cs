using VirtPS.Engine.Io;
using VirtPS.Engine.Io.Net;
using VirtPS.Engine.Io.Virtio;
using VirtPS.Engine.Memory;
using Xunit;

namespace VirtPS.Tests.Io;

/// <summary>The NIC models driven register by register (NE2000) and queue by queue (virtio-net), without a guest.</summary>
public class NetDeviceTests
{
    static readonly byte[] Mac = [0x02, 0x56, 0x50, 0x00, 0x00, 0x07];
    const ushort B = Ne2000.DefaultBase;

    static byte[] Frame(int length, byte[] dst, byte seed)
    {
        var f = new byte[length];
        dst.CopyTo(f, 0);
        for (int k = 6; k < length; k++) f[k] = (byte)(seed + k);
        return f;
    }

    /// <summary>The DP8390D's initialization procedure, as the kernel's driver does it: ring 0x46-0x80, CURR 0x47.</summary>
    static (Ne2000 Card, PortBus Ports) Started(byte imr = 0x01)
    {
        var ports = new PortBus();
        var card = new Ne2000(Mac);
        card.Attach(ports);
        ports.Out(B, 1, 0x21);
        ports.Out(B + 0x0C, 1, 0x04);
        ports.Out(B + 0x01, 1, 0x46); ports.Out(B + 0x02, 1, 0x80); ports.Out(B + 0x03, 1, 0x46); ports.Out(B + 0x04, 1, 0x40);
        ports.Out(B + 0x07, 1, 0xFF);
        ports.Out(B, 1, 0x61);
        for (int k = 0; k < 6; k++) ports.Out((ushort)(B + 1 + k), 1, Mac[k]);
        ports.Out(B + 0x07, 1, 0x47);
        ports.Out(B, 1, 0x22);
        ports.Out(B + 0x0F, 1, imr);
        return (card, ports);
    }

    static byte[] RemoteRead(PortBus ports, int address, int count)
    {
        ports.Out(B + 0x0A, 1, (byte)count); ports.Out(B + 0x0B, 1, (byte)(count >> 8));
        ports.Out(B + 0x08, 1, (byte)address); ports.Out(B + 0x09, 1, (byte)(address >> 8));
        ports.Out(B, 1, 0x0A);
        var data = new byte[count];
        for (int k = 0; k < count; k += 2)
        {
            ulong w = ports.In(B + 0x10, 2);
            data[k] = (byte)w;
            if (k + 1 < count) data[k + 1] = (byte)(w >> 8);
        }
        return data;
    }

    [Fact]
    public void Ne2000PromHoldsTheStationAddressDoubled()
    {
        var (_, ports) = Started();
        var prom = RemoteRead(ports, 0, 12);
        for (int k = 0; k < 6; k++) { Assert.Equal(Mac[k], prom[2 * k]); Assert.Equal(Mac[k], prom[2 * k + 1]); }
    }

    [Fact]
    public void Ne2000StoresAFrameInItsRingBehindTheHeaderAndInterrupts()
    {
        var (card, ports) = Started();
        int irqs = 0;
        card.Interrupt = () => irqs++;
        var f = Frame(300, Mac, 3);
        card.Receive(f);
        Assert.Equal(1, irqs);
        Assert.Equal(Ne2000.IsrPrx, (byte)(ports.In(B + 0x07, 1) & Ne2000.IsrPrx));
        ports.Out(B, 1, 0x62);
        Assert.Equal(0x49UL, ports.In(B + 0x07, 1));        // CURR: 304 bytes took pages 0x47 and 0x48
        ports.Out(B, 1, 0x22);
        var header = RemoteRead(ports, 0x4700, 4);
        Assert.Equal(Ne2000.RsrPrx, header[0]);
        Assert.Equal(0x49, header[1]);
        Assert.Equal(304, header[2] | header[3] << 8);      // the count includes the 4-byte header
        Assert.Equal(f, RemoteRead(ports, 0x4704, 300));
        // Not ours, and broadcast while RCR.AB is set
        card.Receive(Frame(60, [0x02, 0, 0, 0, 0, 9], 1));
        Assert.Equal(1, card.FramesDropped);
        card.Receive(Frame(60, [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF], 1));
        Assert.Equal(2, card.FramesReceived);
    }

    [Fact]
    public void Ne2000RingOverflowDropsAndSetsOvw()
    {
        var (card, ports) = Started(imr: 0);
        int n = 0;
        while (card.FramesDropped == 0 && n < 100) { card.Receive(Frame(1000, Mac, (byte)n)); n++; }
        Assert.True(n > 5 && n < 20, $"{n} frames");    // 58 ring pages, 4 a frame, BNRY never moved
        Assert.Equal(Ne2000.IsrOvw, (byte)(ports.In(B + 0x07, 1) & Ne2000.IsrOvw));
    }

    [Fact]
    public void Ne2000TransmitsWhatRemoteDmaWrote()
    {
        var (card, ports) = Started();
        byte[]? sent = null;
        card.Transmit = f => sent = f;
        var f = Frame(61, [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF], 5);
        ports.Out(B + 0x0A, 1, 62); ports.Out(B + 0x0B, 1, 0);
        ports.Out(B + 0x08, 1, 0); ports.Out(B + 0x09, 1, 0x40);
        ports.Out(B, 1, 0x12);
        for (int k = 0; k < 62; k += 2) ports.Out(B + 0x10, 2, (ulong)(f[k] | (k + 1 < 61 ? f[k + 1] << 8 : 0)));
        Assert.Equal(Ne2000.IsrRdc, (byte)(ports.In(B + 0x07, 1) & Ne2000.IsrRdc));
        ports.Out(B + 0x04, 1, 0x40); ports.Out(B + 0x05, 1, 61); ports.Out(B + 0x06, 1, 0);
        ports.Out(B, 1, 0x26);
        Assert.Equal(f, sent);
        Assert.Equal(Ne2000.IsrPtx, (byte)(ports.In(B + 0x07, 1) & Ne2000.IsrPtx));
        Assert.Equal(0x22UL, ports.In(B, 1));                // TXP clears when the transmission is done
    }

    [Fact]
    public void VirtioNetTransmitsAChainAndFillsAReceiveBuffer()
    {
        const ulong RxDesc = 0x1000, RxAvail = 0x2000, RxUsed = 0x3000, TxDesc = 0x4000, TxAvail = 0x5000, TxUsed = 0x6000;
        var mem = new PhysicalMemory(1 << 20);
        var rx = new VirtioTestDriver(mem, 8, RxDesc, RxAvail, RxUsed, 0x10000, eventIdx: false);
        var tx = new VirtioTestDriver(mem, 8, TxDesc, TxAvail, TxUsed, 0x40000, eventIdx: false);
        var dev = new VirtioNetDevice(Mac, new GuestMemoryDma(mem));
        Assert.Equal(VirtqueueFeatures.Version1 | VirtioNetDevice.FeatureMac, dev.DeviceFeatures);
        dev.Negotiate(dev.DeviceFeatures);
        ((IVirtioBackend)dev).SetUpQueue(0, 8, RxDesc, RxAvail, RxUsed);
        ((IVirtioBackend)dev).SetUpQueue(1, 8, TxDesc, TxAvail, TxUsed);
        var config = new byte[6];
        dev.ReadConfig(0, config);
        Assert.Equal(Mac, config);

        byte[]? sent = null;
        dev.Transmit = f => sent = f;
        var f = Frame(100, [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF], 9);
        ulong buf = tx.Alloc(VirtioNetDevice.HeaderSize + f.Length);
        mem.Write(buf + VirtioNetDevice.HeaderSize, f);
        tx.AddChain((buf, (uint)(VirtioNetDevice.HeaderSize + f.Length), false));
        tx.Publish();
        dev.Notify(1);
        Assert.Equal(f, sent);
        Assert.Equal(1, tx.UsedIdx);

        // No receive buffer yet: dropped. Then one buffer: header (num_buffers 1) and the frame.
        int signals = 0;
        dev.UsedBufferNotification = () => signals++;
        dev.Receive(f);
        Assert.Equal(1, dev.FramesDropped);
        ulong rbuf = rx.Alloc(2048);
        rx.AddChain((rbuf, 2048, true));
        rx.Publish();
        dev.Receive(f);
        var used = rx.TakeUsed();
        Assert.Equal((uint)(VirtioNetDevice.HeaderSize + f.Length), Assert.Single(used).Len);
        Assert.Equal(1, rx.R16(rbuf + 10));
        Assert.Equal(f, mem.Read(rbuf + VirtioNetDevice.HeaderSize, f.Length));
        Assert.Equal(1, signals);
    }
}
