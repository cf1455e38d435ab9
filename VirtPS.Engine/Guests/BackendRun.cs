using VirtPS.Engine.Kvm;
using VirtPS.Engine.Cpu;
using VirtPS.Engine.Guests;

namespace VirtPS.Engine.Guests;

/// <summary>
/// One side of a <see cref="BackendComparison"/>: how the run ended, the console, the final registers, the exits by
/// reason (the simulator's by Intel SDM exit reason, KVM's by KVM_EXIT_* reason), and the host time. KVM counts no
/// instructions, so its <see cref="Instructions"/> is null.
/// </summary>
public sealed record BackendRun(ExecutionBackend Backend, StopReason StopReason, string Console, IReadOnlyDictionary<string, ulong> Registers,
    IReadOnlyDictionary<string, long> ExitsByReason, long TotalExits, double HostSeconds, long? Instructions, GuestException? Exception)
{
    /// <summary>Host time per exit, in microseconds: the run's host time over the exits that reached the VMM.</summary>
    public double MicrosecondsPerExit => TotalExits == 0 ? 0 : HostSeconds * 1e6 / TotalExits;

    /// <summary>The registers a comparison lists: the sixteen general registers, RIP and RFLAGS, then CR3 and CPL.</summary>
    internal static IReadOnlyDictionary<string, ulong> Snapshot(Processor p)
    {
        var d = new Dictionary<string, ulong>();
        foreach (var r in Enum.GetValues<Gpr>()) d[r.ToString()] = p.GetGpr(r);
        d["Rip"] = p.Rip;
        d["Rflags"] = p.Rflags;
        d["Cr3"] = p.Cr3;
        d["Cpl"] = (ulong)p.Cpl;
        return d;
    }
}
