using System.Diagnostics;
using System.Runtime.InteropServices;
using VirtPS.Engine.Cpu;

namespace VirtPS.Engine.Kvm;

/// <summary>
/// A guest run by the host's processor through KVM, built from a machine the simulator prepared: its memory
/// (the loaded image, the boot information, the loader's identity map) is copied into a buffer of the VMM's own
/// that KVM maps as guest-physical memory, and its processor state (registers, control registers, EFER,
/// descriptor tables, segments, SYSCALL MSRs) becomes the vCPU's. So the guest starts in long mode exactly as a
/// simulated guest does.
/// <para>
/// Exits are served by the machine's own device and processor models: IN and OUT by its port bus (the UART, so
/// the console is the simulated console), the local APIC (x2APIC MSRs, SELF IPI, EOI, TPR) and the PMU MSRs by
/// its <see cref="LocalApic"/> and <see cref="PerformanceMonitoring"/>, with interrupts injected by KVM_INTERRUPT
/// when the model has one to deliver. KVM has no in-kernel irqchip here, so the x2APIC MSRs, which no MSR
/// filter can catch, reach the VMM as accesses KVM would refuse (KVM_MSR_EXIT_REASON_INVAL); every other MSR but
/// the ones the processor keeps itself (EFER, STAR, LSTAR, CSTAR, FMASK, FS/GS base, KernelGSbase, TSC_AUX,
/// TSC) is denied in the kernel by KVM_X86_SET_MSR_FILTER and answered by the simulator's MSR code, so an MSR
/// the simulator lacks is #GP on both.
/// </para>
/// <para>
/// What cannot match: KVM counts no retired instructions, so budgets are host time, and the PMU model's counter
/// never advances (the built-in kernel's scheduling tick, IA32_PMC0 counting user instructions, does not fire;
/// its TimerPeriod has no effect); the local APIC timer, which counts instructions in the simulator, never
/// expires. A guest that faults with no IDT shuts down (a triple fault) where the simulator stops on the first
/// exception. After each run the vCPU's state and the guest's touched memory are copied back into
/// <see cref="Machine"/>, so its registers, console and memory can be inspected as a simulated guest's; the
/// machine is then a mirror of this VM and should not be run by the simulator too.
/// </para>
/// </summary>
public sealed unsafe partial class KvmVirtualMachine : IDisposable
{
    const ulong PageSize = 4096;

    readonly int _kvm, _vm, _vcpu;
    readonly nint _memory;
    readonly nuint _memoryBytes, _runBytes;
    readonly KvmAbi.Run* _run;
    readonly KvmVcpuKicker _kicker;
    int _running;
    bool _disposed, _idtLoaded;

    /// <summary>
    /// Makes a KVM guest of <paramref name="machine"/> as the simulator prepared it: its style must be one KVM can run
    /// (<see cref="KvmBackend.SupportedStyles"/>, else BackendUnsupportedStyle) and KVM must be usable at
    /// <paramref name="devicePath"/> (else KvmUnavailable). A machine booting the built-in kernel
    /// (<paramref name="builtInKernel"/>) also needs a host whose SYSCALL enters CPL 0
    /// (<see cref="KvmHostProfile.CanRunBuiltInKernel"/>); on one that does not it is KvmUnavailable with the reason, unless
    /// <paramref name="evenOnDivergentHost"/> asks to run it anyway (to see what the host does, as a comparison does).
    /// </summary>
    public static KvmVirtualMachine Create(Machine machine, VirtualizationStyle style, bool builtInKernel,
        string devicePath = KvmBackend.DefaultDevicePath, bool evenOnDivergentHost = false)
    {
        KvmBackend.CheckStyle(style);
        if (builtInKernel && !evenOnDivergentHost && KvmHostProfile.For(devicePath) is { CanRunBuiltInKernel: false } host)
            throw KvmBackend.Unavailable(devicePath,
                $"this host's KVM, {host.Implementation}, cannot run the built-in kernel: {host.Divergences[0]}. Bare programs (-Bare) run.");
        return new KvmVirtualMachine(machine, devicePath);
    }

    /// <summary>Makes a KVM guest of a bare <paramref name="machine"/> as the simulator prepared it.</summary>
    public static KvmVirtualMachine Create(Machine machine, string devicePath = KvmBackend.DefaultDevicePath) => new(machine, devicePath);

    KvmVirtualMachine(Machine machine, string devicePath)
    {
        Machine = machine;
        DevicePath = devicePath;
        // Nothing held yet: if opening fails, the finalizer must not close descriptors this VM never had.
        _kvm = _vm = _vcpu = -1;
        _memory = LibC.MapFailed;
        _run = null;
        try
        {
            _kvm = KvmBackend.OpenDevice(devicePath, out _);
            _vm = Retry(() => LibC.Ioctl(_kvm, KvmIoctl.CreateVm, 0));
            if (_vm < 0) throw SetupFailed("KVM_CREATE_VM");
            _memoryBytes = (nuint)machine.Memory.Size;
            // The guest's memory is an anonymous mapping of the VMM's own: never shared with anything else, never
            // backed beyond what the guest touches (MAP_NORESERVE), and unmapped on Dispose.
            _memory = LibC.Mmap(0, _memoryBytes, LibC.PROT_READ | LibC.PROT_WRITE, LibC.MAP_PRIVATE | LibC.MAP_ANONYMOUS | LibC.MAP_NORESERVE, -1, 0);
            if (_memory == LibC.MapFailed) throw SetupFailed($"mmap of {_memoryBytes >> 20} MB of guest memory");
            var region = new KvmAbi.UserspaceMemoryRegion { Slot = 0, GuestPhysAddr = 0, MemorySize = _memoryBytes, UserspaceAddr = (ulong)_memory };
            if (LibC.Ioctl(_vm, KvmIoctl.SetUserMemoryRegion, (nint)(&region)) != 0) throw SetupFailed("KVM_SET_USER_MEMORY_REGION");
            EnableUserSpaceMsrs();
            _vcpu = LibC.Ioctl(_vm, KvmIoctl.CreateVcpu, 0);
            if (_vcpu < 0) throw SetupFailed("KVM_CREATE_VCPU");
            int runSize = LibC.Ioctl(_kvm, KvmIoctl.GetVcpuMmapSize, 0);
            if (runSize < sizeof(KvmAbi.Run)) throw SetupFailed("KVM_GET_VCPU_MMAP_SIZE");
            _runBytes = (nuint)runSize;
            nint run = LibC.Mmap(0, _runBytes, LibC.PROT_READ | LibC.PROT_WRITE, LibC.MAP_SHARED, _vcpu, 0);
            if (run == LibC.MapFailed) throw SetupFailed("mmap of kvm_run");
            _run = (KvmAbi.Run*)run;
            Cpuid = InstallCpuid(machine.Cpu.PcidSupported);
            // The machine reports the same CPUID as the vCPU: a withheld PCID is withheld from both.
            if (!Cpuid.Pcid) machine.Cpu.PcidSupported = false;
            CopyMemoryIn();
            LoadProcessorState();
            _kicker = new KvmVcpuKicker(_vcpu, _run);
        }
        catch
        {
            Release();
            GC.SuppressFinalize(this);
            throw;
        }
    }

    ~KvmVirtualMachine() => Release();

    /// <summary>The simulator's machine this guest was made from; it mirrors the guest's state after each run.</summary>
    public Machine Machine { get; }
    public string DevicePath { get; }
    /// <summary>What the host's KVM is, and where it departs from the architecture (probed once per device).</summary>
    public KvmHostProfile Host => KvmHostProfile.For(DevicePath);
    /// <summary>The CPUID installed with KVM_SET_CPUID2.</summary>
    public KvmCpuid Cpuid { get; }
    /// <summary>Exits that reached this VMM, by reason, with the host time they took.</summary>
    public KvmExitStatistics Exits { get; } = new();
    /// <summary>True once the guest executed HLT with nothing to wake it.</summary>
    public bool Halted { get; private set; }
    /// <summary>What stopped the guest for good (a triple fault, an access beyond memory, a KVM failure), if anything did.</summary>
    public GuestException? LastException { get; private set; }
    /// <summary>Host seconds spent running the guest over its life.</summary>
    public double HostSeconds { get; private set; }

    /// <summary>
    /// Runs the guest until it halts, shuts down (triple fault), meets something it cannot continue from,
    /// <paramref name="timeLimit"/> of host time passes (null: no limit) or <paramref name="cancel"/> fires.
    /// A budget or a cancellation leaves the guest consistent: run it again to continue. Whatever the guest
    /// does, the outcome is a result, never an exception (a KVM failure is reported as a machine check).
    /// </summary>
    public KvmRunResult Run(TimeSpan? timeLimit = null, CancellationToken cancel = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (timeLimit is { } t && t <= TimeSpan.Zero)
            throw new VirtPSException(ErrorIds.InvalidTimeLimit, ErrorKind.InvalidArgument, $"The time limit must be positive; got {t}.", t);
        if (Interlocked.Exchange(ref _running, 1) != 0)
            throw new VirtPSException(ErrorIds.GuestRunning, ErrorKind.InvalidOperation, "This KVM guest is already running on another thread.", this);
        try
        {
            if (Halted) return new KvmRunResult(RunStop.Halt, 0, 0, null);
            if (LastException is { } e) return new KvmRunResult(e.Chain.Count > 0 ? RunStop.TripleFault : RunStop.Exception, 0, 0, e);
            long exitsBefore = Exits.Total;
            long start = Stopwatch.GetTimestamp();
            RunStop stop;
            _kicker.Arm();
            try
            {
                using var timer = timeLimit is { } limit ? new Timer(_ => _kicker.Kick(cancelled: false), null, limit, Timeout.InfiniteTimeSpan) : null;
                using var registration = cancel.Register(() => _kicker.Kick(cancelled: true));
                stop = RunLoop();
            }
            finally
            {
                _kicker.Disarm();
            }
            double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
            HostSeconds += seconds;
            CopyStateOut();
            return new KvmRunResult(stop, seconds, Exits.Total - exitsBefore, stop is RunStop.Exception or RunStop.TripleFault ? LastException : null);
        }
        finally
        {
            Volatile.Write(ref _running, 0);
        }
    }

    RunStop RunLoop()
    {
        while (true)
        {
            if (_kicker.Cancelled) return RunStop.Cancelled;
            if (_kicker.TimeUp) return RunStop.Budget;
            PrepareEntry();
            long t0 = Stopwatch.GetTimestamp();
            int rc = LibC.Ioctl(_vcpu, KvmIoctl.Run, 0);
            int errno = rc < 0 ? LibC.Errno : 0;
            long t1 = Stopwatch.GetTimestamp();
            var reason = rc < 0 ? KvmExitReason.Intr : (KvmExitReason)_run->ExitReason;
            SyncTpr();
            RunStop? stop = rc < 0 && errno is not (LibC.EINTR or LibC.EAGAIN)
                ? Fail($"KVM_RUN failed: {LibC.Describe(errno)}")
                : Serve(reason);
            Exits.Record(reason, t1 - t0, Stopwatch.GetTimestamp() - t1);
            if (stop is { } s) return s;
        }
    }

    /// <summary>Serves one exit; returns why the run stops, or null to enter the guest again.</summary>
    RunStop? Serve(KvmExitReason reason)
    {
        switch (reason)
        {
            case KvmExitReason.Intr: return null;   // the loop checks whether the kick was ours
            case KvmExitReason.Io: ServeIo(); return null;
            case KvmExitReason.X86Rdmsr or KvmExitReason.X86Wrmsr: ServeMsr(reason == KvmExitReason.X86Wrmsr); return null;
            case KvmExitReason.IrqWindowOpen: return null;   // the interrupt goes in at the next entry
            case KvmExitReason.SetTpr: return null;           // the TPR (CR8) is synced from kvm_run on every exit
            case KvmExitReason.Hlt:
                // As the simulator's run loop: HLT with interrupts on and one to deliver waits for it; otherwise the
                // machine has stopped.
                if (_run->IfFlag != 0 && Machine.Cpu.Apic.Deliverable() != null && IdtLoaded()) return null;
                Halted = true;
                return RunStop.Halt;
            case KvmExitReason.Shutdown:
                LastException = new GuestException(ExceptionVector.DF, 0, Rip(), [], null,
                    "triple fault: the processor shut down (KVM_EXIT_SHUTDOWN); an exception could not be delivered even as a double fault (KVM does not report which exceptions led there)")
                { Chain = [ExceptionVector.DF] };
                return RunStop.TripleFault;
            case KvmExitReason.Mmio:
                // The simulator has no MMIO devices: an access beyond guest memory is a machine check there, and here.
                LastException = new GuestException(ExceptionVector.MC, null, Rip(), [], null,
                    $"guest-physical 0x{_run->MmioPhysAddr:X} ({_run->MmioLen}-byte {(_run->MmioIsWrite != 0 ? "write" : "read")}) is beyond guest memory (0x{_memoryBytes:X} bytes): KVM_EXIT_MMIO, and no device is mapped there");
                return RunStop.Exception;
            case KvmExitReason.InternalError:
                return Fail($"KVM could not emulate an instruction (KVM_EXIT_INTERNAL_ERROR, suberror {_run->InternalSuberror})");
            case KvmExitReason.FailEntry:
                return Fail($"VM entry failed (KVM_EXIT_FAIL_ENTRY, hardware reason 0x{_run->FailEntryHardwareReason:X})");
            default:
                return Fail($"unexpected KVM exit {(int)reason} ({reason})");
        }
    }

    RunStop Fail(string why)
    {
        LastException = new GuestException(ExceptionVector.MC, null, Rip(), [], null, "internal: " + why);
        return RunStop.Exception;
    }

    ulong Rip()
    {
        KvmAbi.Regs r;
        return LibC.Ioctl(_vcpu, KvmIoctl.GetRegs, (nint)(&r)) == 0 ? r.Rip : Machine.Cpu.Rip;
    }

    static int Retry(Func<int> call)
    {
        int r;
        do r = call(); while (r < 0 && LibC.Errno == LibC.EINTR);
        return r;
    }

    VirtPSException SetupFailed(string call) =>
        KvmBackend.Unavailable(DevicePath, $"{call} failed: {LibC.Describe(LibC.Errno)}.");

    public void Dispose()
    {
        if (_disposed) return;
        if (Volatile.Read(ref _running) != 0)
            throw new VirtPSException(ErrorIds.GuestRunning, ErrorKind.InvalidOperation, "Stop the KVM guest's run before disposing of it.", this);
        _disposed = true;
        Release();
        GC.SuppressFinalize(this);
    }

    /// <summary>Unmaps and closes everything this VM holds (also from the finalizer: only native calls).</summary>
    void Release()
    {
        if (_statsFd >= 0) { LibC.Close(_statsFd); _statsFd = -1; }
        if (_run != null) LibC.Munmap((nint)_run, _runBytes);
        if (_vcpu >= 0) LibC.Close(_vcpu);
        if (_vm >= 0) LibC.Close(_vm);
        if (_memory != LibC.MapFailed && _memory != 0) LibC.Munmap(_memory, _memoryBytes);
        if (_kvm >= 0) LibC.Close(_kvm);
        // readonly fields cannot be reset; the finalizer is suppressed after an explicit Release
    }

    public override string ToString() => $"KVM guest ({Machine.Memory.Size >> 20} MB)";
}
