using System.Buffers.Binary;

namespace VirtPS.Engine.Network.Capture;

/// <summary>The classic libpcap file format (pcap-savefile(5)): magic a1b2c3d4, version 2.4, link type 1 (Ethernet),
/// microsecond timestamps taken from simulated time.</summary>
public static class PcapWriter
{
    public const uint Magic = 0xa1b2c3d4;
    public const int LinkTypeEthernet = 1;
    public const int SnapLength = 65535;

    public static void Write(Stream s, IEnumerable<CapturedFrame> frames)
    {
        Span<byte> h = stackalloc byte[24];
        BinaryPrimitives.WriteUInt32LittleEndian(h, Magic);
        BinaryPrimitives.WriteUInt16LittleEndian(h[4..], 2);
        BinaryPrimitives.WriteUInt16LittleEndian(h[6..], 4);
        BinaryPrimitives.WriteUInt32LittleEndian(h[16..], SnapLength);
        BinaryPrimitives.WriteUInt32LittleEndian(h[20..], LinkTypeEthernet);
        s.Write(h);
        Span<byte> r = stackalloc byte[16];
        foreach (var f in frames)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(r, (uint)(f.TimeMicroseconds / 1_000_000));
            BinaryPrimitives.WriteUInt32LittleEndian(r[4..], (uint)(f.TimeMicroseconds % 1_000_000));
            BinaryPrimitives.WriteUInt32LittleEndian(r[8..], (uint)f.Data.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(r[12..], (uint)f.Data.Length);
            s.Write(r);
            s.Write(f.Data);
        }
    }
}
