using VirtPS.Engine;
using VirtPS.Engine.Network.Frames;
using Xunit;

namespace VirtPS.Tests.Network;

/// <summary>Wire formats and checksums, checked against numbers published outside this project.</summary>
public class FrameTests
{
    static byte[] Hex(string s) => Convert.FromHexString(s.Replace(" ", ""));

    /// <summary>RFC 1071 section 3: the bytes 00 01 f2 03 f4 f5 f6 f7 sum to ddf2, so the checksum is 220d.</summary>
    [Fact]
    public void Rfc1071NumericalExample()
        => Assert.Equal(0x220d, Checksum.Compute(Hex("0001f203f4f5f6f7")));

    /// <summary>The IPv4 header used as the worked example in Wikipedia's "Internet checksum" article: checksum b861,
    /// and the whole header including it sums to zero.</summary>
    [Fact]
    public void KnownIpv4HeaderChecksum()
    {
        var h = Hex("4500 0073 0000 4000 4011 0000 c0a8 0001 c0a8 00c7");
        Assert.Equal(0xb861, Checksum.Compute(h));
        h[10] = 0xb8; h[11] = 0x61;
        Assert.Equal(0, Checksum.Compute(h));
    }

    /// <summary>RFC 1624 section 4: HC = 0xDD2F, m = 0x5555 -> m' = 0x3285 gives HC' = 0x0000 by eqn. 3.</summary>
    [Fact]
    public void Rfc1624IncrementalUpdate()
        => Assert.Equal(0x0000, Checksum.Update(0xDD2F, 0x5555, 0x3285));

    static readonly MacAddress A = MacAddress.Parse("02:00:00:00:00:01"), B = MacAddress.Parse("02:00:00:00:00:02");
    static readonly Ipv4Address IpA = Ipv4Address.Parse("10.0.2.15"), IpB = Ipv4Address.Parse("203.0.113.10");

    [Fact]
    public void RoundTripsEveryProtocol()
    {
        object[] payloads =
        {
            new IcmpMessage((byte)IcmpType.EchoRequest, 0, 0x1234, 7, "abcdefgh"u8.ToArray()),
            new UdpDatagram(40000, 7, "hello"u8.ToArray()),
            new TcpSegment(40000, 80, 1000, 0, TcpFlags.Syn, 65535, []),
            new TcpSegment(40000, 80, 1001, 5001, TcpFlags.Ack | TcpFlags.Psh, 65535, "GET"u8.ToArray()),
        };
        foreach (var pl in payloads)
        {
            var f = new EthernetFrame(B, A, (ushort)EtherType.IPv4, new Ipv4Packet(IpA, IpB, pl switch { IcmpMessage => 1, UdpDatagram => 17, _ => 6 }, 64, 99, pl));
            var bytes = FrameCodec.Build(f);
            var r = FrameCodec.Parse(bytes);
            Assert.True(r.Success, r.Error);
            Assert.Equal(IpA, r.Frame!.Ip!.Source);
            Assert.Equal(bytes, FrameCodec.Build(r.Frame));
        }
        var arp = new EthernetFrame(MacAddress.Broadcast, A, (ushort)EtherType.Arp, new ArpMessage(ArpOperation.Request, A, IpA, default, IpB));
        Assert.Equal(arp.Arp, FrameCodec.Parse(FrameCodec.Build(arp)).Frame!.Arp);
    }

    /// <summary>A UDP datagram built by hand from RFC 768's rules: the checksum over pseudo-header and data folds to zero.</summary>
    [Fact]
    public void UdpChecksumCoversPseudoHeader()
    {
        var ip = FrameCodec.BuildIp(new Ipv4Packet(IpA, IpB, 17, 64, 1, new UdpDatagram(1, 2, [0xAB])));
        var udp = ip.AsSpan(20);
        Assert.Equal(0, Checksum.Finish(Checksum.Add(Checksum.PseudoHeader(IpA, IpB, 17, udp.Length), udp)));
        // changing the destination address alone must break it: the pseudo-header is covered
        Assert.NotEqual(0, Checksum.Finish(Checksum.Add(Checksum.PseudoHeader(IpA, IpB.Offset(1), 17, udp.Length), udp)));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(13)]
    public void ShortFrameRejected(int length)
    {
        var r = FrameCodec.Parse(new byte[length]);
        Assert.False(r.Success);
        Assert.Contains("shorter than an Ethernet header", r.Error);
    }

    [Fact]
    public void MalformedIpRejected()
    {
        var good = FrameCodec.Build(new EthernetFrame(B, A, 0x0800, new Ipv4Packet(IpA, IpB, 17, 64, 1, new UdpDatagram(1, 7, [1, 2, 3]))));
        var badIhl = (byte[])good.Clone(); badIhl[14] = 0x44;
        Assert.Contains("IHL", FrameCodec.Parse(badIhl).Error);
        var badSum = (byte[])good.Clone(); badSum[14 + 10] ^= 0xFF;
        Assert.Equal("bad IPv4 header checksum", FrameCodec.Parse(badSum).Error);
        var badUdp = (byte[])good.Clone(); badUdp[^1] ^= 0xFF;
        Assert.Equal("bad UDP checksum", FrameCodec.Parse(badUdp).Error);
        Assert.False(FrameCodec.Parse(good.AsSpan(0, 30)).Success);
    }

    [Theory]
    [InlineData("10.0.0.0")]
    [InlineData("10.0.0.0/33")]
    [InlineData("10.0.0.1/24")]
    [InlineData("10.0.300.0/24")]
    [InlineData("")]
    public void MalformedCidr(string text)
        => Assert.Equal("InvalidCidr", Assert.Throws<VirtPSException>(() => Ipv4Subnet.Parse(text)).ErrorId);

    [Fact]
    public void CidrContainsAndOverlaps()
    {
        var s = Ipv4Subnet.Parse("10.0.2.0/24");
        Assert.True(s.Contains(IpA));
        Assert.True(s.Overlaps(Ipv4Subnet.Parse("10.0.0.0/16")));
        Assert.False(s.Overlaps(Ipv4Subnet.Parse("10.0.3.0/24")));
    }
}
