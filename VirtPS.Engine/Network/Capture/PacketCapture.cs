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
