using System.Buffers.Binary;

namespace VirtPS.Engine.Network.Capture;

/// <summary>An in-memory capture that is always recording while <see cref="Running"/>; written out as a libpcap file.</summary>
public sealed class PacketCapture
{
    readonly Queue<CapturedFrame> _frames = new();
    public bool Running { get; private set; } = true;
    /// <summary>Frames kept at most; older ones are dropped first, so a long run cannot exhaust memory.</summary>
    public int Limit { get; set; } = 100_000;
    public IReadOnlyList<CapturedFrame> Frames => _frames.ToList();

    public void Start() { _frames.Clear(); Running = true; }
    public void Stop() => Running = false;
    public void Clear() => _frames.Clear();

    internal void Record(long timeMicroseconds, byte[] frame)
    {
        if (!Running) return;
        if (_frames.Count >= Limit) _frames.Dequeue();
        _frames.Enqueue(new CapturedFrame(timeMicroseconds, frame));
    }

    public void WriteTo(Stream s) => PcapWriter.Write(s, _frames);
    public void Save(string path) { using var f = File.Create(path); WriteTo(f); }
}

public sealed record CapturedFrame(long TimeMicroseconds, byte[] Data);

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
