using VirtPS.Engine.Network.Capture;
using VirtPS.Engine.Network.Frames;

namespace VirtPS.Engine.Network.Switching;

/// <summary>
/// A transparent learning bridge (IEEE 802.1D): learns source MACs per port, forwards known unicast to one port,
/// floods broadcast and unknown unicast, and ages entries out after <see cref="AgeingTimeMicroseconds"/>.
/// Every L2 segment (the physical LAN, each virtual network) is one of these.
/// </summary>
public sealed class LearningSwitch
{
    /// <summary>802.1D's default ageing time is 300 seconds.</summary>
    public const long DefaultAgeingMicroseconds = 300_000_000;

    readonly Simulator _sim;
    readonly List<SwitchPort> _ports = new();
    readonly Dictionary<MacAddress, (SwitchPort Port, long Seen)> _table = new();

    public LearningSwitch(string name, Simulator sim, long linkDelayMicroseconds = 5)
    { Name = name; _sim = sim; LinkDelayMicroseconds = linkDelayMicroseconds; }

    public string Name { get; }
    public long LinkDelayMicroseconds { get; }
    public long AgeingTimeMicroseconds { get; set; } = DefaultAgeingMicroseconds;
    public IReadOnlyList<SwitchPort> Ports => _ports;
    /// <summary>Captures every frame that enters the switch (the network-wide view).</summary>
    public PacketCapture Capture { get; } = new();
    public long FramesForwarded { get; private set; }
    public long FramesFlooded { get; private set; }

    public SwitchPort AddPort(string name) { var p = new SwitchPort(this, name); _ports.Add(p); return p; }

    public void RemovePort(SwitchPort port)
    {
        _ports.Remove(port);
        port.Removed = true;
        foreach (var mac in _table.Where(e => e.Value.Port == port).Select(e => e.Key).ToList()) _table.Remove(mac);
    }

    /// <summary>The MAC table as (MAC, port, age) rows, after dropping aged entries.</summary>
    public IReadOnlyList<MacTableEntry> MacTable
    {
        get
        {
            Age();
            return _table.Select(e => new MacTableEntry(e.Key, e.Value.Port.Name, _sim.Now - e.Value.Seen)).OrderBy(e => e.Mac.Value).ToList();
        }
    }

    public void FlushMacTable() => _table.Clear();

    void Age()
    {
        foreach (var mac in _table.Where(e => _sim.Now - e.Value.Seen > AgeingTimeMicroseconds).Select(e => e.Key).ToList()) _table.Remove(mac);
    }

    internal void Ingress(SwitchPort from, byte[] frame)
    {
        _sim.ScheduleFrame(LinkDelayMicroseconds, from, frame);
    }

    internal void Forward(SwitchPort from, byte[] frame)
    {
        if (from.Removed) return;                    // port removed while the frame was on the wire
        Capture.Record(_sim.Now, frame);
        from.Capture.Record(_sim.Now, frame);
        if (frame.Length < FrameCodec.EthernetHeaderLength) return;   // a runt: nothing to learn or forward
        var dst = MacAddress.Read(frame); var src = MacAddress.Read(frame.AsSpan(6));
        if (!src.IsGroup) _table[src] = (from, _sim.Now);
        if (!dst.IsGroup && _table.TryGetValue(dst, out var e) && _sim.Now - e.Seen <= AgeingTimeMicroseconds)
        {
            FramesForwarded++;
            if (e.Port == from) return;                            // never reflect a frame back out its ingress port
            if (_sim.Tracing) _sim.Log(Name, $"{src} -> {dst}: {from.Name} -> {e.Port.Name}");
            e.Port.Deliver(frame, _sim.Now);
            return;
        }
        FramesFlooded++;
        if (_sim.Tracing) _sim.Log(Name, $"{src} -> {dst}: flood from {from.Name}");
        foreach (var p in _ports.ToArray()) if (p != from) p.Deliver(frame, _sim.Now);
    }
}
