using System.Buffers.Binary;

namespace VirtPS.Engine.Network.Frames;

/// <summary>
/// A DHCP message (RFC 2131): the BOOTP fixed part (RFC 951) with the options this engine uses: 53 message type,
/// 50 requested address, 54 server identifier, 1 subnet mask, 3 router, 51 lease time.
/// </summary>
public sealed record DhcpMessage(byte Op, uint TransactionId, Ipv4Address ClientAddress, Ipv4Address YourAddress, MacAddress ClientMac,
    DhcpMessageType Type, Ipv4Address? RequestedAddress = null, Ipv4Address? ServerId = null, Ipv4Address? SubnetMask = null,
    Ipv4Address? Router = null, uint LeaseSeconds = 0)
{
    public const ushort ServerPort = 67, ClientPort = 68;
    public const byte BootRequest = 1, BootReply = 2;
    static readonly byte[] MagicCookie = { 99, 130, 83, 99 };

    public byte[] ToBytes()
    {
        var b = new List<byte>(300);
        var fixedPart = new byte[236];
        fixedPart[0] = Op; fixedPart[1] = 1; fixedPart[2] = 6;                 // htype Ethernet, hlen 6
        BinaryPrimitives.WriteUInt32BigEndian(fixedPart.AsSpan(4), TransactionId);
        BinaryPrimitives.WriteUInt16BigEndian(fixedPart.AsSpan(10), 0x8000);   // broadcast flag: the client has no address yet
        ClientAddress.Write(fixedPart.AsSpan(12));
        YourAddress.Write(fixedPart.AsSpan(16));
        ClientMac.Write(fixedPart.AsSpan(28));
        b.AddRange(fixedPart); b.AddRange(MagicCookie);
        b.AddRange(new byte[] { 53, 1, (byte)Type });
        void Addr(byte code, Ipv4Address? a) { if (a is { } v) { var x = new byte[4]; v.Write(x); b.Add(code); b.Add(4); b.AddRange(x); } }
        Addr(50, RequestedAddress); Addr(54, ServerId); Addr(1, SubnetMask); Addr(3, Router);
        if (LeaseSeconds != 0) { var x = new byte[4]; BinaryPrimitives.WriteUInt32BigEndian(x, LeaseSeconds); b.Add(51); b.Add(4); b.AddRange(x); }
        b.Add(255);
        return b.ToArray();
    }

    /// <summary>Parses a UDP payload; null when it is not a well-formed DHCP message.</summary>
    public static DhcpMessage? Parse(ReadOnlySpan<byte> b)
    {
        if (b.Length < 241 || !b.Slice(236, 4).SequenceEqual(MagicCookie) || b[1] != 1 || b[2] != 6) return null;
        DhcpMessageType? type = null; Ipv4Address? req = null, sid = null, mask = null, router = null; uint lease = 0;
        for (int i = 240; i < b.Length;)
        {
            byte code = b[i];
            if (code == 255) break;
            if (code == 0) { i++; continue; }
            if (i + 1 >= b.Length || i + 2 + b[i + 1] > b.Length) return null;
            var v = b.Slice(i + 2, b[i + 1]);
            switch (code)
            {
                case 53 when v.Length == 1: type = (DhcpMessageType)v[0]; break;
                case 50 when v.Length == 4: req = Ipv4Address.Read(v); break;
                case 54 when v.Length == 4: sid = Ipv4Address.Read(v); break;
                case 1 when v.Length == 4: mask = Ipv4Address.Read(v); break;
                case 3 when v.Length >= 4: router = Ipv4Address.Read(v); break;
                case 51 when v.Length == 4: lease = BinaryPrimitives.ReadUInt32BigEndian(v); break;
            }
            i += 2 + v.Length;
        }
        if (type is null) return null;
        return new DhcpMessage(b[0], BinaryPrimitives.ReadUInt32BigEndian(b[4..]), Ipv4Address.Read(b[12..]), Ipv4Address.Read(b[16..]),
            MacAddress.Read(b[28..]), type.Value, req, sid, mask, router, lease);
    }
}
