using System.Diagnostics;

namespace VirtPS.Engine.Kvm;

/// <summary>
/// Exits of a KVM guest that reached the VMM, by reason (<see cref="KvmExitReason"/>), IO exits by port and MSR
/// exits by MSR index, and the host time they took. Nothing is estimated: every figure is counted or measured.
/// </summary>
public sealed class KvmExitStatistics
{
    const int Reasons = 64;
    readonly long[] _count = new long[Reasons], _runTicks = new long[Reasons], _handleTicks = new long[Reasons], _minRound = new long[Reasons];
    readonly SortedDictionary<ushort, long> _ioByPort = [];
    readonly SortedDictionary<uint, long> _msrByIndex = [];

    public KvmExitStatistics() => Array.Fill(_minRound, long.MaxValue);

    /// <summary>Every exit that reached the VMM (signal exits included).</summary>
    public long Total => _count.Sum();
    /// <summary>Interrupts injected with KVM_INTERRUPT (the VMM's local APIC model decides which and when).</summary>
    public long InterruptsInjected { get; internal set; }
    /// <summary>Host seconds spent in KVM_RUN and handling its exits.</summary>
    public double HostSeconds => (_runTicks.Sum() + _handleTicks.Sum()) / (double)Stopwatch.Frequency;
    /// <summary>Host time per exit that reached the VMM, in microseconds (everything, guest execution between exits included).</summary>
    public double MicrosecondsPerExit => Total == 0 ? 0 : HostSeconds * 1e6 / Total;

    public long this[KvmExitReason reason] => (int)reason < Reasons ? _count[(int)reason] : 0;

    /// <summary>Reasons seen, with counts and host time.</summary>
    public IReadOnlyList<KvmExitRecord> ByReason =>
        Enumerable.Range(0, Reasons).Where(r => _count[r] > 0).Select(r => new KvmExitRecord((KvmExitReason)r, _count[r],
            Micro(_runTicks[r] + _handleTicks[r]) / _count[r], Micro(_minRound[r]), Micro(_handleTicks[r]) / _count[r])).ToList();

    /// <summary>Exits by reason name, as the simulator's HardwareAssisted style reports its exits.</summary>
    public IReadOnlyDictionary<string, long> Counts => ByReason.ToDictionary(r => r.Reason.ToString(), r => r.Count);

    /// <summary>KVM_EXIT_IO exits by port (one per IN or OUT; a string instruction may move several units in one).</summary>
    public IReadOnlyDictionary<ushort, long> IoExitsByPort => _ioByPort;
    /// <summary>KVM_EXIT_X86_RDMSR and WRMSR exits by MSR index.</summary>
    public IReadOnlyDictionary<uint, long> MsrExitsByIndex => _msrByIndex;

    /// <summary>IO exits for ports <paramref name="first"/> to <paramref name="first"/>+<paramref name="count"/>-1.</summary>
    public long IoExits(ushort first, int count) => _ioByPort.Where(kv => kv.Key >= first && kv.Key < first + count).Sum(kv => kv.Value);

    internal void Record(KvmExitReason reason, long runTicks, long handleTicks)
    {
        int r = (int)reason < Reasons && reason >= 0 ? (int)reason : 0;
        _count[r]++;
        _runTicks[r] += runTicks;
        _handleTicks[r] += handleTicks;
        _minRound[r] = Math.Min(_minRound[r], runTicks + handleTicks);
    }

    internal void RecordIo(ushort port) => _ioByPort[port] = _ioByPort.GetValueOrDefault(port) + 1;
    internal void RecordMsr(uint index) => _msrByIndex[index] = _msrByIndex.GetValueOrDefault(index) + 1;

    static double Micro(long ticks) => ticks * 1e6 / Stopwatch.Frequency;
}
