using System.Buffers.Binary;

namespace VirtPS.Engine.Network.Frames;

/// <summary>Turns frames into wire bytes and back. Building always computes checksums; parsing verifies them,
/// and malformed input yields a <see cref="ParseResult"/> with an error, never an exception.</summary>
public static class FrameCodec
{
    public const int EthernetHeaderLength = 14;

    public static byte[] Build(EthernetFrame f)
    {
        byte[] body = f.Body switch
        {
            ArpMessage a => BuildArp(a),
            Ipv4Packet p => BuildIp(p),
            byte[] raw => raw,
            _ => throw new ArgumentException("unknown frame body"),
        };
        var b = new byte[EthernetHeaderLength + body.Length];
        f.Destination.Write(b);
        f.Source.Write(b.AsSpan(6));
        BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(12), f.EtherType);
        body.CopyTo(b, EthernetHeaderLength);
        return b;
    }

    static byte[] BuildArp(ArpMessage a)
    {
        var b = new byte[28];
        BinaryPrimitives.WriteUInt16BigEndian(b, 1);          // htype Ethernet
        BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(2), 0x0800);
        b[4] = 6; b[5] = 4;
        BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(6), (ushort)a.Operation);
        a.SenderMac.Write(b.AsSpan(8)); a.SenderIp.Write(b.AsSpan(14));
        a.TargetMac.Write(b.AsSpan(18)); a.TargetIp.Write(b.AsSpan(24));
        return b;
    }

    /// <summary>An IPv4 packet's bytes: 20-byte header (checksum filled) followed by the transport bytes.</summary>
    public static byte[] BuildIp(Ipv4Packet p)
    {
        byte[] payload = p.Payload switch
        {
            IcmpMessage m => BuildIcmp(m),
            UdpDatagram u => BuildUdp(u, p.Source, p.Destination),
            TcpSegment t => BuildTcp(t, p.Source, p.Destination),
            byte[] raw => raw,
            _ => throw new ArgumentException("unknown IP payload"),
        };
        var b = new byte[20 + payload.Length];
        b[0] = 0x45;                                              // version 4, IHL 5 words
        BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(2), (ushort)b.Length);
        BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(4), p.Identification);
        b[6] = 0x40;                                              // DF: this engine never fragments
        b[8] = p.Ttl; b[9] = p.Protocol;
        p.Source.Write(b.AsSpan(12)); p.Destination.Write(b.AsSpan(16));
        BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(10), Checksum.Compute(b.AsSpan(0, 20)));
        payload.CopyTo(b, 20);
        return b;
    }

    static byte[] BuildIcmp(IcmpMessage m)
    {
        var b = new byte[8 + m.Data.Length];
        b[0] = m.Type; b[1] = m.Code;
        BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(4), m.Identifier);
        BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(6), m.Sequence);
        m.Data.CopyTo(b, 8);
        BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(2), Checksum.Compute(b));
        return b;
    }

    static byte[] BuildUdp(UdpDatagram u, Ipv4Address src, Ipv4Address dst)
    {
        var b = new byte[8 + u.Data.Length];
        BinaryPrimitives.WriteUInt16BigEndian(b, u.SourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(2), u.DestinationPort);
        BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(4), (ushort)b.Length);
        u.Data.CopyTo(b, 8);
        var c = Checksum.Finish(Checksum.Add(Checksum.PseudoHeader(src, dst, 17, b.Length), b));
        BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(6), c == 0 ? (ushort)0xFFFF : c);   // RFC 768: zero means "none"
        return b;
    }

    static byte[] BuildTcp(TcpSegment t, Ipv4Address src, Ipv4Address dst)
    {
        var b = new byte[20 + t.Data.Length];
        BinaryPrimitives.WriteUInt16BigEndian(b, t.SourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(2), t.DestinationPort);
        BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(4), t.Sequence);
        BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(8), t.Acknowledgment);
        b[12] = 5 << 4; b[13] = (byte)t.Flags;
        BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(14), t.Window);
        t.Data.CopyTo(b, 20);
        BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(16), Checksum.Finish(Checksum.Add(Checksum.PseudoHeader(src, dst, 6, b.Length), b)));
        return b;
    }

    public static ParseResult Parse(ReadOnlySpan<byte> b)
    {
        if (b.Length < EthernetHeaderLength) return Fail($"frame of {b.Length} bytes is shorter than an Ethernet header (14)");
        var dst = MacAddress.Read(b); var src = MacAddress.Read(b[6..]);
        ushort type = BinaryPrimitives.ReadUInt16BigEndian(b[12..]);
        var body = b[EthernetHeaderLength..];
        object parsed;
        string? err;
        switch (type)
        {
            case (ushort)EtherType.Arp: err = ParseArp(body, out var arp); parsed = arp!; break;
            case (ushort)EtherType.IPv4: err = ParseIp(body, out var ip); parsed = ip!; break;
            default: err = null; parsed = body.ToArray(); break;
        }
        return err is null ? new ParseResult(new EthernetFrame(dst, src, type, parsed), null) : Fail(err);
    }

    static ParseResult Fail(string e) => new(null, e);

    static string? ParseArp(ReadOnlySpan<byte> b, out ArpMessage? a)
    {
        a = null;
        if (b.Length < 28) return "ARP message shorter than 28 bytes";
        if (BinaryPrimitives.ReadUInt16BigEndian(b) != 1 || BinaryPrimitives.ReadUInt16BigEndian(b[2..]) != 0x0800 || b[4] != 6 || b[5] != 4)
            return "ARP message is not IPv4 over Ethernet";
        var op = BinaryPrimitives.ReadUInt16BigEndian(b[6..]);
        if (op is not (1 or 2)) return $"ARP operation {op} is not a request or reply";
        a = new ArpMessage((ArpOperation)op, MacAddress.Read(b[8..]), Ipv4Address.Read(b[14..]), MacAddress.Read(b[18..]), Ipv4Address.Read(b[24..]));
        return null;
    }

    /// <summary>Parses an IPv4 packet (no Ethernet header) and verifies its header and transport checksums.</summary>
    public static string? ParseIp(ReadOnlySpan<byte> b, out Ipv4Packet? p)
    {
        p = null;
        if (b.Length < 20) return "IPv4 packet shorter than 20 bytes";
        if (b[0] >> 4 != 4) return $"IP version {b[0] >> 4} is not 4";
        int ihl = (b[0] & 15) * 4;
        if (ihl < 20) return $"IPv4 IHL of {ihl / 4} words is below the minimum of 5";
        int total = BinaryPrimitives.ReadUInt16BigEndian(b[2..]);
        if (total < ihl || total > b.Length || ihl > b.Length) return $"IPv4 total length {total} does not fit the {b.Length} bytes received";
        if (Checksum.Compute(b[..ihl]) != 0) return "bad IPv4 header checksum";
        var src = Ipv4Address.Read(b[12..]); var dst = Ipv4Address.Read(b[16..]);
        byte proto = b[9];
        var pl = b[ihl..total];
        object payload;
        switch (proto)
        {
            case 1:
                if (pl.Length < 8) return "ICMP message shorter than 8 bytes";
                if (Checksum.Compute(pl) != 0) return "bad ICMP checksum";
                payload = new IcmpMessage(pl[0], pl[1], BinaryPrimitives.ReadUInt16BigEndian(pl[4..]), BinaryPrimitives.ReadUInt16BigEndian(pl[6..]), pl[8..].ToArray());
                break;
            case 17:
                if (pl.Length < 8) return "UDP datagram shorter than 8 bytes";
                int ulen = BinaryPrimitives.ReadUInt16BigEndian(pl[4..]);
                if (ulen < 8 || ulen > pl.Length) return $"UDP length {ulen} does not fit the {pl.Length} bytes received";
                pl = pl[..ulen];
                if (BinaryPrimitives.ReadUInt16BigEndian(pl[6..]) != 0 && Checksum.Finish(Checksum.Add(Checksum.PseudoHeader(src, dst, 17, ulen), pl)) != 0)
                    return "bad UDP checksum";
                payload = new UdpDatagram(BinaryPrimitives.ReadUInt16BigEndian(pl), BinaryPrimitives.ReadUInt16BigEndian(pl[2..]), pl[8..].ToArray());
                break;
            case 6:
                if (pl.Length < 20) return "TCP segment shorter than 20 bytes";
                int off = (pl[12] >> 4) * 4;
                if (off < 20 || off > pl.Length) return $"TCP data offset {off / 4} words is invalid";
                if (Checksum.Finish(Checksum.Add(Checksum.PseudoHeader(src, dst, 6, pl.Length), pl)) != 0) return "bad TCP checksum";
                payload = new TcpSegment(BinaryPrimitives.ReadUInt16BigEndian(pl), BinaryPrimitives.ReadUInt16BigEndian(pl[2..]),
                    BinaryPrimitives.ReadUInt32BigEndian(pl[4..]), BinaryPrimitives.ReadUInt32BigEndian(pl[8..]), (TcpFlags)(pl[13] & 0x1F),
                    BinaryPrimitives.ReadUInt16BigEndian(pl[14..]), pl[off..].ToArray());
                break;
            default: payload = pl.ToArray(); break;
        }
        p = new Ipv4Packet(src, dst, proto, b[8], BinaryPrimitives.ReadUInt16BigEndian(b[4..]), payload);
        return null;
    }

    /// <summary>RFC 792: an ICMP error quotes the offending IP header and the first 8 bytes of its payload.</summary>
    public static byte[] QuoteForIcmpError(Ipv4Packet p)
    {
        var bytes = BuildIp(p);
        return bytes.AsSpan(0, Math.Min(bytes.Length, 28)).ToArray();
    }
}
