namespace VirtPS.Engine.Network;

/// <summary>Simulated time for a network: a clock in microseconds and an event queue ordered by (time, sequence),
/// so runs are deterministic and never look at the wall clock.</summary>
public sealed class Simulator
{
    // An event is an action, or (to spare the hot path a closure per frame) a frame arriving at a switch port.
    readonly record struct SimEvent(Action? Action, Switching.SwitchPort? Port, byte[]? Frame)
    {
        public void Run() { if (Action is not null) Action(); else Port!.Switch.Forward(Port, Frame!); }
    }
    readonly PriorityQueue<SimEvent, (long, long)> _queue = new();
    long _seq;

    /// <summary>Simulated microseconds since the network world was created.</summary>
    public long Now { get; private set; }

    public void Schedule(long delayMicroseconds, Action action) => _queue.Enqueue(new SimEvent(action, null, null), (Now + delayMicroseconds, _seq++));

    internal void ScheduleFrame(long delayMicroseconds, Switching.SwitchPort port, byte[] frame)
        => _queue.Enqueue(new SimEvent(null, port, frame), (Now + delayMicroseconds, _seq++));

    /// <summary>Runs events until none is left or the clock would pass <paramref name="until"/>; returns events run.</summary>
    public long Run(long until = long.MaxValue)
    {
        long n = 0;
        while (_queue.TryPeek(out _, out var key) && key.Item1 <= until)
        {
            var e = _queue.Dequeue(); Now = Math.Max(Now, key.Item1); e.Run(); n++;   // the clock reads the event's time while it runs
        }
        if (until != long.MaxValue && until > Now) Now = until;
        return n;
    }

    /// <summary>Moves the clock forward with nothing happening (ageing, timeouts).</summary>
    public void Advance(long microseconds) => Run(Now + microseconds);

    public bool Idle => _queue.Count == 0;

    /// <summary>Runs events while <paramref name="keepGoing"/> holds and the clock stays at or before <paramref name="until"/>.</summary>
    public void RunWhile(Func<bool> keepGoing, long until)
    {
        while (keepGoing() && _queue.TryPeek(out _, out var key) && key.Item1 <= until)
        {
            var e = _queue.Dequeue(); Now = Math.Max(Now, key.Item1); e.Run();   // the clock reads the event's time while it runs
        }
    }

    readonly List<HopRecord> _trace = new();
    /// <summary>When false (the throughput bench), devices record nothing.</summary>
    public bool Tracing { get; set; } = true;
    public int TraceCount => _trace.Count;
    public void Log(string device, string action)
    {
        if (!Tracing) return;
        if (_trace.Count >= 100_000) _trace.RemoveRange(0, 50_000);
        _trace.Add(new HopRecord(Now, device, action));
    }
    public IReadOnlyList<HopRecord> TraceSince(int index) => _trace.Skip(Math.Min(index, _trace.Count)).ToList();
}
