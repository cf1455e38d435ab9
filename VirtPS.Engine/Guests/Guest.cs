using System.Diagnostics;
using System.Text.RegularExpressions;
using VirtPS.Engine.Costs;
using VirtPS.Engine.Cpu;
using VirtPS.Engine.Trace;

namespace VirtPS.Engine.Guests;

/// <summary>A virtual machine: a name, a style, memory, one CPU, and the counters of what it has run.</summary>
public sealed partial class Guest
{
    /// <summary>Guest-physical address images are loaded at, as Firecracker loads Linux.</summary>
    public const ulong DefaultLoadAddress = 0x100000;
    public const int MaxMemoryMB = 4096;

    Guest(string name, VirtualizationStyle style, int memoryMB, Machine machine, CostModel? costs, MemoryVirtualization? paging = null)
    {
        Name = name; Style = style; MemoryMB = memoryMB; Machine = machine; _costs = costs;
        Vmm = Styles.Vmm.For(style, machine, paging);
        Vmm.HostSource = () => Host is { } h ? (h.Type, h.TlbTagging) : (HypervisorType.Type1, TlbTagging.None);
        Vmm.IoModelSource = () => Host?.IoModel;
        Vmm.DeviceAt = DeviceAt;
    }

    readonly CostModel? _costs;

    /// <summary>The monitor this guest runs under (for Native, the bare machine's own accounting).</summary>
    public Styles.Vmm Vmm { get; }

    public string Name { get; }
    public VirtualizationStyle Style { get; }
    public int MemoryMB { get; }
    public GuestState State { get; private set; }
    public Machine Machine { get; }
    /// <summary>The host the guest runs on: the lab's default host once the guest is added to a lab.</summary>
    public VHost? Host { get; internal set; }
    /// <summary>The virtual-processor identifier its host gave it on placement (1 to 65535; 0 if the host had none left).
    /// Its TLB entries carry it when the host tags them (<see cref="VHost.TlbTagging"/> Vpid) and it runs hardware-assisted.</summary>
    public ushort Vpid { get; internal set; }
    /// <summary>Times the host gave this guest a physical CPU another guest had been running on.</summary>
    public long WorldSwitchesIn => Machine.Cpu.Ledger.Count(Trace.GuestEvent.WorldSwitch, Trace.EventLedger.AnotherGuest);
    /// <summary>The cost model pricing this guest's events: the one it was made with, else its host's, else <see cref="CostModel.Default"/>.</summary>
    public CostModel Costs => _costs ?? Host?.CostModel ?? CostModel.Default;
    /// <summary>Total instructions retired over the guest's life.</summary>
    public long Instructions { get; private set; }
    /// <summary>Total simulated cycles over the guest's life.</summary>
    public long Cycles { get; private set; }
    EventCounts _priced = new();
    /// <summary>Total host seconds spent running the guest.</summary>
    public double HostSeconds { get; private set; }
    /// <summary>The exception that stopped the guest, if one did.</summary>
    public GuestException? LastException => Machine.LastException;
    /// <summary>Guest-physical memory actually backed by host frames, in bytes.</summary>
    public long ResidentBytes => Machine.Memory.ResidentBytes;

    [GeneratedRegex(@"^[A-Za-z0-9_][A-Za-z0-9_.\-]{0,63}$")]
    private static partial Regex NamePattern();

    /// <summary>Checks a guest name; throws <see cref="VirtPSException"/> (InvalidGuestName) if it is not usable.</summary>
    public static void ValidateName(string? name) => ValidateName(name, "InvalidGuestName", "Guest");

    /// <summary>The naming rule guests and hosts share, reported with the caller's error id.</summary>
    internal static void ValidateName(string? name, string errorId, string what)
    {
        if (string.IsNullOrWhiteSpace(name) || !NamePattern().IsMatch(name))
            throw new VirtPSException(errorId, ErrorKind.InvalidArgument,
                $"{what} name '{name}' is not valid: use 1 to 64 letters, digits, '_', '-' or '.', starting with a letter, digit or '_'.", name);
    }

    /// <summary>
    /// Builds the guest <paramref name="spec"/> describes: validated whole before anything is built, so a failure
    /// leaves nothing behind. The one way a guest is made; the other <c>Create</c> methods only fill in a spec.
    /// </summary>
    public static Guest Create(GuestSpec spec)
    {
        spec.Validate();
        if (spec.Style == VirtualizationStyle.Container)
            throw new VirtPSException(ErrorIds.ContainerNeedsHost, ErrorKind.InvalidOperation,
                "A container is a user space on a host's shared kernel: make it in a lab, on a host (Lab.Create, New-VGuest -VHost).", spec.Name);
        var g = spec.Kind switch
        {
            GuestImageKind.Workload => CreateWorkloadCore(spec),
            GuestImageKind.UserProgram when spec.Style == VirtualizationStyle.Library => CreateLibraryCore(spec),
            GuestImageKind.UserProgram => CreateKernelCore(spec, spec.Image, spec.Processes ?? 1),
            GuestImageKind.ClassFiles => CreateApplicationCore(spec),
            _ => CreateCore(spec.Name, spec.Style, spec.EffectiveMemoryMB, spec.Image.Length == 0 ? [0xF4] : spec.Image,
                spec.Origin ?? DefaultLoadAddress, spec.EntryPoint, spec.Costs, spec.CommandLine, paravirtKernel: false, paging: spec.Paging),
        };
        if (spec.EptPageSize is { } size) ((Styles.HardwareAssisted)g.Vmm).EptPageSize = size;
        g.Pcid = spec.Pcid;
        // A KVM guest's code runs on the host's processor: its machine keeps no host translator.
        g.Machine.Engine = spec.EffectiveEngine ?? ExecutionEngine.Interpreter;
        g.Spec = spec;
        // Last, once everything else is known good: KvmUnavailable leaves nothing behind.
        if (spec.Backend == VirtPS.Engine.Kvm.ExecutionBackend.Kvm) g.Kvm = g.CreateKvm(spec.KvmDevicePath);
        return g;
    }

    /// <summary>Where the guest's instructions run.</summary>
    public VirtPS.Engine.Kvm.ExecutionBackend Backend => Kvm is null ? VirtPS.Engine.Kvm.ExecutionBackend.Simulator : VirtPS.Engine.Kvm.ExecutionBackend.Kvm;
    /// <summary>The KVM virtual machine of a guest that runs on the host's processor; null for the simulator's.</summary>
    public VirtPS.Engine.Kvm.KvmVirtualMachine? Kvm { get; private set; }

    /// <summary>The specification the guest was built from.</summary>
    public GuestSpec Spec { get; private set; } = null!;

    /// <summary>
    /// Makes a guest with <paramref name="image"/> loaded at <paramref name="loadAddress"/>, ready to run at
    /// <paramref name="entryPoint"/> in 64-bit mode at CPL 0 with RSP at the top of memory and RSI pointing at
    /// the boot information (<see cref="BootInfo"/>).
    /// Validates everything before building anything, so a failure leaves nothing behind.
    /// </summary>
    public static Guest Create(string name, VirtualizationStyle style, int memoryMB, ReadOnlySpan<byte> image,
        ulong loadAddress = DefaultLoadAddress, ulong? entryPoint = null, CostModel? costs = null, string commandLine = "",
        MemoryVirtualization? paging = null) =>
        Create(new GuestSpec { Name = name, Style = style, MemoryMB = memoryMB, Image = image.ToArray(), Origin = loadAddress,
            EntryPoint = entryPoint, Costs = costs, CommandLine = commandLine, Paging = paging });

    internal static Guest CreateCore(string name, VirtualizationStyle style, int memoryMB, ReadOnlySpan<byte> image,
        ulong loadAddress, ulong? entryPoint, CostModel? costs, string commandLine = "", bool paravirtKernel = false,
        MemoryVirtualization? paging = null)
    {
        ValidateName(name);
        if (!Styles.Vmm.Available.Contains(style)) throw Styles.Vmm.Unavailable(style);
        // A paravirtual hypervisor offers no privileged instructions, only hypercalls: only a kernel written
        // for them (the built-in kernel's PARAVIRT build) can run under it.
        if (style == VirtualizationStyle.Paravirtual && !paravirtKernel)
            throw new VirtPSException(ErrorIds.StyleNeedsParavirtualKernel, ErrorKind.InvalidOperation,
                "The Paravirtual style runs only a kernel modified to make hypercalls; a bare program has none. Run the built-in kernel (-Workload, or a user program without -Bare), or choose another style.", style);
        if (memoryMB < 1 || memoryMB > MaxMemoryMB)
            throw new VirtPSException(ErrorIds.InvalidMemorySize, ErrorKind.InvalidArgument,
                $"MemoryMB must be between 1 and {MaxMemoryMB}; got {memoryMB}.", memoryMB);
        ulong memBytes = (ulong)memoryMB << 20;
        if (loadAddress >= memBytes)
            throw new VirtPSException(ErrorIds.ProgramTooLarge, ErrorKind.LimitsExceeded,
                $"Guest memory ({memoryMB} MB) ends before the load address 0x{loadAddress:X}, so no program fits; use {(loadAddress >> 20) + 1} MB or more.", name);
        if ((ulong)image.Length > memBytes - loadAddress)
            throw new VirtPSException(ErrorIds.ProgramTooLarge, ErrorKind.LimitsExceeded,
                $"The program ({image.Length} bytes at 0x{loadAddress:X}) does not fit in {memoryMB} MB of guest memory.", name);
        ulong reservedEnd = BootInfo.ReservedEnd(memBytes);
        if (image.Length > 0 && loadAddress < reservedEnd && loadAddress + (ulong)image.Length > BootInfo.Address)
            throw new VirtPSException(ErrorIds.ImageOverlapsLoaderData, ErrorKind.InvalidArgument,
                $"The program (0x{loadAddress:X}-0x{loadAddress + (ulong)image.Length - 1:X}) would overwrite the loader's boot information and page tables at 0x{BootInfo.Address:X}-0x{reservedEnd - 1:X}; load it at 0x{reservedEnd:X} or above (the default is 0x{DefaultLoadAddress:X}).", name);
        if (commandLine.Length > BootInfo.MaxCommandLine || commandLine.Any(c => c > 0x7E || c < 0x20))
            throw new VirtPSException(ErrorIds.InvalidCommandLine, ErrorKind.InvalidArgument,
                $"The command line must be printable ASCII of at most {BootInfo.MaxCommandLine} characters.", commandLine);
        ulong entry = entryPoint ?? loadAddress;
        if (entry >= memBytes)
            throw new VirtPSException(ErrorIds.InvalidEntryPoint, ErrorKind.InvalidArgument,
                $"Entry point 0x{entry:X} is outside guest memory.", entry);

        var machine = new Machine(memBytes);
        machine.Memory.Write(loadAddress, image);
        BootInfo.Write(machine.Memory, commandLine);
        machine.Cpu.Rip = entry;
        machine.Cpu.SetGpr(Gpr.Rsp, memBytes);
        machine.Cpu.SetGpr(Gpr.Rsi, BootInfo.Address);
        return new Guest(name, style, memoryMB, machine, costs, paging);
    }

    /// <summary>
    /// Runs the guest until <paramref name="maxInstructions"/> retire (null: no limit), it halts, it faults,
    /// or <paramref name="cancel"/> fires. <paramref name="progress"/> receives the running instruction count
    /// about every 50 ms of host time.
    /// </summary>
    public StepResult Step(long? maxInstructions, CancellationToken cancel = default, Action<long>? progress = null,
        TraceKind until = TraceKind.None, Action<TraceEvent>? trace = null, IEngineDiagnostics? diagnostics = null, TimeSpan? timeLimit = null)
    {
        if (maxInstructions is <= 0)
            throw new VirtPSException(ErrorIds.InvalidInstructionCount, ErrorKind.InvalidArgument,
                $"The instruction count must be positive; got {maxInstructions}.", maxInstructions);
        if (State == GuestState.Halted)
            throw new VirtPSException(ErrorIds.GuestHalted, ErrorKind.InvalidOperation,
                $"Guest '{Name}' has halted; create a new guest to run it again.", this);
        if (State == GuestState.Faulted)
            throw new VirtPSException(ErrorIds.GuestFaulted, ErrorKind.InvalidOperation,
                $"Guest '{Name}' stopped on {LastException}; it cannot run further.", this);

        if (ContainerHost is { } shared) return shared.Step(this, ContainerId, maxInstructions, cancel, progress);
        if (Kvm is not null) return StepOnKvm(maxInstructions, cancel, timeLimit);
        Machine.Cpu.Tracer = trace is null || KernelSymbols is null ? trace : e => trace(e with { ProcessId = CurrentProcessId });
        Vmm.Diagnostics = diagnostics;
        var sw = Stopwatch.StartNew();
        long budget = maxInstructions ?? long.MaxValue;
        long retired = 0;
        RunStop stop;
        long nextReport = sw.ElapsedMilliseconds + 50;
        bool timedOut = false;
        // Run in slices so progress is reported every ~10 ms at 100 MIPS; a stop request ends the slice at its next block.
        const long Slice = 1 << 20;
        using var stopping = cancel.Register(Machine.RequestStop);
        while (true)
        {
            long slice = Math.Min(Slice, budget - retired);
            var r = Machine.Run(slice, until);
            retired += r.Retired;
            stop = r.Stop;
            if (stop != RunStop.Budget) break;
            if (retired >= budget) break;
            if (cancel.IsCancellationRequested) { stop = RunStop.Cancelled; break; }
            if (timeLimit is { } limit && sw.Elapsed >= limit) { timedOut = true; break; }
            if (progress != null && sw.ElapsedMilliseconds >= nextReport)
            { progress(retired); nextReport = sw.ElapsedMilliseconds + 50; }
        }
        sw.Stop();
        Machine.Cpu.Tracer = null;
        Vmm.Diagnostics = null;

        // Only retired instructions are counted so far; the styles will charge every CostEvent they count.
        // Cycles are counted primitive events times the cost model's prices, nothing else.
        var ledger = Vmm.Ledger();
        long cycles = (long)Math.Round((ledger - _priced).Total(Costs));
        _priced = ledger;
        Instructions += retired;
        Cycles += cycles;
        HostSeconds += sw.Elapsed.TotalSeconds;
        var reason = stop switch
        {
            RunStop.Halt => StopReason.Halt,
            RunStop.Exception => StopReason.Exception,
            RunStop.Cancelled => StopReason.Cancelled,
            RunStop.TripleFault => StopReason.TripleFault,
            RunStop.Event => Machine.Cpu.StoppedOn switch
            {
                TraceKind.Interrupt => StopReason.Interrupt,
                TraceKind.Syscall => StopReason.Syscall,
                TraceKind.PageFault => StopReason.PageFault,
                TraceKind.ContextSwitch => StopReason.ContextSwitch,
                TraceKind.Halt => StopReason.Halt,
                _ => StopReason.Exception,
            },
            _ => timedOut ? StopReason.TimeLimit : StopReason.InstructionLimit,
        };
        State = Machine.Halted ? GuestState.Halted : Machine.LastException != null ? GuestState.Faulted : GuestState.Ready;
        return new StepResult(this, retired, cycles, reason, sw.Elapsed.TotalSeconds,
            reason is StopReason.Exception or StopReason.TripleFault ? Machine.LastException : null);
    }

    /// <summary>A KVM virtual machine of this guest as it is now (its memory, registers and devices), to run on the host's
    /// processor: see <see cref="VirtPS.Engine.Kvm.KvmVirtualMachine"/>. BackendUnsupportedStyle for a style only the simulator has,
    /// KvmUnavailable where KVM cannot run it.</summary>
    public VirtPS.Engine.Kvm.KvmVirtualMachine CreateKvm(string devicePath = VirtPS.Engine.Kvm.KvmBackend.DefaultDevicePath, bool evenOnDivergentHost = false) =>
        VirtPS.Engine.Kvm.KvmVirtualMachine.Create(Machine, Style, KernelSymbols != null, devicePath, evenOnDivergentHost);

    /// <summary>The default host-time budget of a KVM guest's step: KVM retires instructions the engine cannot count.</summary>
    public static readonly TimeSpan DefaultKvmTimeLimit = TimeSpan.FromSeconds(10);

    /// <summary>A step on the host's processor: until the guest halts, stops on an exception, the time limit
    /// (<see cref="DefaultKvmTimeLimit"/> unless given) passes, or <paramref name="cancel"/> fires.</summary>
    StepResult StepOnKvm(long? maxInstructions, CancellationToken cancel, TimeSpan? timeLimit)
    {
        if (maxInstructions is not null)
            throw new VirtPSException(ErrorIds.InstructionBudgetOnKvm, ErrorKind.InvalidArgument,
                $"Guest '{Name}' runs on KVM, which does not count the instructions it retires; give a time limit (-TimeLimit) instead of an instruction count.", maxInstructions);
        var r = Kvm!.Run(timeLimit ?? DefaultKvmTimeLimit, cancel);
        HostSeconds += r.HostSeconds;
        State = Machine.Halted ? GuestState.Halted : Machine.LastException != null ? GuestState.Faulted : GuestState.Ready;
        return new StepResult(this, 0, 0, r.StopReason, r.HostSeconds, r.Exception);
    }

    /// <summary>What the guest has cost over its life, and every count behind it.</summary>
    public GuestMeasurement Measure() => new(this);

    public override string ToString() => Name;
}
