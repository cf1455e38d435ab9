namespace VirtPS.Engine.Kvm;

/// <summary>
/// Gets a vCPU out of KVM_RUN when its time budget runs out or the caller cancels, whatever the guest is doing
/// (a guest in <c>jmp $</c> makes no exit of its own). The documented way (api.rst, KVM_CAP_IMMEDIATE_EXIT and
/// KVM_SET_SIGNAL_MASK) is a signal to the vCPU thread: .NET cannot install a handler for an arbitrary signal,
/// so the signal is one that is blocked in the vCPU thread and unblocked only inside KVM_RUN (KVM_SET_SIGNAL_MASK).
/// A kick while the guest runs makes KVM_RUN return EINTR; a kick between two KVM_RUNs stays pending, and
/// kvm_run.immediate_exit makes the next KVM_RUN return at once. Either way no handler ever runs: the pending
/// signal is taken with sigtimedwait before the thread's mask is restored, so it can never reach the default
/// action (which would end the process).
/// </summary>
internal sealed unsafe class KvmVcpuKicker
{
    /// <summary>SIGRTMAX-1 on Linux: a real-time signal no part of .NET uses (the runtime takes SIGRTMIN for
    /// thread activation, which stays deliverable inside KVM_RUN and only makes it return EINTR).</summary>
    public const int KickSignal = 63;

    readonly object _gate = new();
    readonly int _vcpuFd;
    readonly KvmAbi.Run* _run;
    int _tid;
    bool _active, _wasBlocked;

    public KvmVcpuKicker(int vcpuFd, KvmAbi.Run* run) { _vcpuFd = vcpuFd; _run = run; }

    /// <summary>Set by <see cref="Kick"/>: why the run should stop.</summary>
    public volatile bool TimeUp, Cancelled;

    /// <summary>On the vCPU thread, before its first KVM_RUN: the kick signal blocked here, unblocked inside KVM_RUN.</summary>
    public void Arm()
    {
        byte* set = stackalloc byte[LibC.SigsetBytes];
        byte* old = stackalloc byte[LibC.SigsetBytes];
        new Span<byte>(set, LibC.SigsetBytes).Clear();
        LibC.SigSet(set, KickSignal, true);
        if (LibC.PthreadSigmask(LibC.SIG_BLOCK, set, old) != 0) throw Failure("pthread_sigmask");
        _wasBlocked = LibC.SigIsSet(old, KickSignal);
        // Inside KVM_RUN: the thread's mask as it was, with the kick signal deliverable (it interrupts KVM_RUN).
        byte* mask = stackalloc byte[4 + LibC.KernelSigsetBytes];
        *(uint*)mask = LibC.KernelSigsetBytes;
        new Span<byte>(old, LibC.KernelSigsetBytes).CopyTo(new Span<byte>(mask + 4, LibC.KernelSigsetBytes));
        LibC.SigSet(mask + 4, KickSignal, false);
        if (LibC.Ioctl(_vcpuFd, KvmIoctl.SetSignalMask, (nint)mask) != 0)
        {
            Restore();
            throw Failure("KVM_SET_SIGNAL_MASK");
        }
        lock (_gate)
        {
            _tid = LibC.GetTid();
            TimeUp = Cancelled = false;
            _active = true;
        }
    }

    /// <summary>From any thread: stop the running guest as soon as possible.</summary>
    public void Kick(bool cancelled)
    {
        lock (_gate)
        {
            if (!_active) return;
            if (cancelled) Cancelled = true; else TimeUp = true;
            _run->ImmediateExit = 1;
            LibC.Tgkill(LibC.GetPid(), _tid, KickSignal);
        }
    }

    /// <summary>On the vCPU thread after its last KVM_RUN: no more kicks, a kick still pending taken, the mask restored.</summary>
    public void Disarm()
    {
        lock (_gate) _active = false;
        _run->ImmediateExit = 0;
        byte* set = stackalloc byte[LibC.SigsetBytes];
        byte* info = stackalloc byte[128];   // siginfo_t
        new Span<byte>(set, LibC.SigsetBytes).Clear();
        LibC.SigSet(set, KickSignal, true);
        var zero = new LibC.Timespec();
        while (LibC.Sigtimedwait(set, info, &zero) == KickSignal) { }
        Restore();
    }

    void Restore()
    {
        if (_wasBlocked) return;
        byte* set = stackalloc byte[LibC.SigsetBytes];
        new Span<byte>(set, LibC.SigsetBytes).Clear();
        LibC.SigSet(set, KickSignal, true);
        LibC.PthreadSigmask(LibC.SIG_UNBLOCK, set, null);
    }

    static InvalidOperationException Failure(string call) => new($"{call} failed: {LibC.Describe(LibC.Errno)}");
}
