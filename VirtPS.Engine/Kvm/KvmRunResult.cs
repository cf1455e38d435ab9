using VirtPS.Engine.Cpu;

namespace VirtPS.Engine.Kvm;

/// <summary>
/// The outcome of one <see cref="KvmVirtualMachine.Run"/>: why it stopped (as the simulator's run loop says it,
/// and as a guest's step reports it), the host time, the exits that reached the VMM, and the exception that
/// stopped the guest if one did. KVM does not count retired instructions, so there is no instruction count.
/// </summary>
public sealed record KvmRunResult(RunStop Stop, double HostSeconds, long Exits, GuestException? Exception)
{
    /// <summary>The stop as Guest.Step reports one: a time budget that ran out is TimeLimit.</summary>
    public StopReason StopReason => Stop switch
    {
        RunStop.Halt => StopReason.Halt,
        RunStop.Exception => StopReason.Exception,
        RunStop.Cancelled => StopReason.Cancelled,
        RunStop.TripleFault => StopReason.TripleFault,
        _ => StopReason.TimeLimit,
    };
}
