using VirtPS.Engine.Costs;

namespace VirtPS.Engine.Guests;

/// <summary>
/// One immutable description of a guest before it is built: its name, how it is virtualized (style, memory scheme, EPT
/// page size), its memory, what it runs (a workload and its parameters, a user program, or a bare image) and the kernel's
/// options, its cost model and host. <see cref="Validate"/> checks all of it at once, before anything exists;
/// <see cref="Guest.Create(GuestSpec)"/> and <see cref="Lab.Create"/> build from it and nothing else.
/// </summary>
public sealed record GuestSpec
{
    /// <summary>Guest memory when it boots the built-in kernel, and when it runs a bare image, unless the spec says.</summary>
    public const int DefaultKernelMemoryMB = 128, DefaultBareMemoryMB = 64;

    public required string Name { get; init; }
    public VirtualizationStyle Style { get; init; } = VirtualizationStyle.Native;
    /// <summary>The memory virtualization, where the style offers a choice (HardwareAssisted); null: the style's own.</summary>
    public MemoryVirtualization? Paging { get; init; }
    /// <summary>Under nested paging, the page size EPT maps guest memory with; null: 4 KiB.</summary>
    public ulong? EptPageSize { get; init; }
    /// <summary>Guest memory in MB; null: <see cref="DefaultKernelMemoryMB"/> under the kernel, <see cref="DefaultBareMemoryMB"/> bare.</summary>
    public int? MemoryMB { get; init; }

    public GuestImageKind Kind { get; init; } = GuestImageKind.Bare;
    /// <summary>The workload's name (<see cref="GuestImageKind.Workload"/>), its iterations and its own parameters.</summary>
    public string? Workload { get; init; }
    public long? Iterations { get; init; }
    public IReadOnlyDictionary<string, long>? WorkloadParameters { get; init; }
    /// <summary>The image: a user program or a bare image (empty bare: a single HLT, a machine with no boot disk).</summary>
    public byte[] Image { get; init; } = [];
    /// <summary>Where the image was linked (bare: where it loads) and where it starts; null: its first byte.</summary>
    public ulong? Origin { get; init; }
    public ulong? EntryPoint { get; init; }
    /// <summary>The bare machine's command line (see <see cref="BootInfo"/>).</summary>
    public string CommandLine { get; init; } = "";

    /// <summary>The class files an Application guest runs (<see cref="GuestImageKind.ClassFiles"/>): where each came from and its bytes.</summary>
    public IReadOnlyList<(string Source, byte[] Bytes)>? ClassFiles { get; init; }
    /// <summary>The class whose main method starts; null: the first class file with one.</summary>
    public string? MainClass { get; init; }
    /// <summary>Invocations a method runs interpreted before it is compiled: 0 compiles every method before its first run.</summary>
    public long JitThreshold { get; init; } = DefaultJitThreshold;
    /// <summary>The default threshold: HotSpot's Tier3InvocationThreshold (200 invocations before the baseline compiler, C1, takes a method).</summary>
    public const long DefaultJitThreshold = 200;

    /// <summary>User processes the kernel starts; null: the workload's own, or 1 for a program.</summary>
    public int? Processes { get; init; }
    /// <summary>User instructions between the kernel's scheduling ticks; 0 turns preemption off.</summary>
    public long TimerPeriod { get; init; } = Kernel.DefaultTimerPeriod;
    /// <summary>Whether CPUID reports PCIDs to the guest.</summary>
    public bool Pcid { get; init; } = true;

    /// <summary>Where the guest's instructions run: the simulator, or the host's processor through KVM.</summary>
    public Kvm.ExecutionBackend Backend { get; init; } = Kvm.ExecutionBackend.Simulator;
    /// <summary>The KVM device a <see cref="Kvm.ExecutionBackend.Kvm"/> guest opens.</summary>
    public string KvmDevicePath { get; init; } = Kvm.KvmBackend.DefaultDevicePath;

    /// <summary>How the simulator runs the guest's code on the host; null: <see cref="DefaultEngine"/> for the style.
    /// The choice is the host's, invisible to the guest: both engines leave the same state and counters.</summary>
    public Cpu.ExecutionEngine? Engine { get; init; }
    /// <summary>The engine the guest gets: <see cref="Engine"/>, else the style's default; null on KVM, where the host's
    /// processor runs the guest's code.</summary>
    public Cpu.ExecutionEngine? EffectiveEngine => Backend == Kvm.ExecutionBackend.Kvm ? null : Engine ?? DefaultEngine(Style);

    /// <summary>The environment variable that sets the engine of guests made without one (Interpreter or Translator):
    /// the test suite runs once under each. Read once, when the engine first makes a guest.</summary>
    public const string EngineVariable = "VIRTPS_ENGINE";
    static readonly string? EngineSetting = Environment.GetEnvironmentVariable(EngineVariable);

    /// <summary>The engine of a guest made without one: the Emulation style interprets by definition; every other
    /// style compiles hot blocks (Translator), unless <see cref="EngineVariable"/> says otherwise.</summary>
    public static Cpu.ExecutionEngine DefaultEngine(VirtualizationStyle style) =>
        style == VirtualizationStyle.Emulation ? Cpu.ExecutionEngine.Interpreter
        : string.IsNullOrEmpty(EngineSetting) ? Cpu.ExecutionEngine.Translator
        : Enum.TryParse<Cpu.ExecutionEngine>(EngineSetting, ignoreCase: true, out var e) && Enum.IsDefined(e) && !int.TryParse(EngineSetting, out _) ? e
        : throw new VirtPSException(ErrorIds.InvalidEngineSetting, ErrorKind.InvalidArgument,
            $"The environment variable {EngineVariable} is '{EngineSetting}'; it takes Interpreter or Translator (or nothing: Translator).", EngineSetting);

    /// <summary>Whether <paramref name="engine"/> may run a guest of <paramref name="style"/> on <paramref name="backend"/>:
    /// the Emulation style is an interpreter by definition (StyleNeedsInterpreter), and a KVM guest runs on the host's
    /// processor, where neither engine applies (EngineNeedsSimulator).</summary>
    public static void CheckEngine(VirtualizationStyle style, Kvm.ExecutionBackend backend, Cpu.ExecutionEngine engine)
    {
        if (backend == Kvm.ExecutionBackend.Kvm)
            throw new VirtPSException(ErrorIds.EngineNeedsSimulator, ErrorKind.InvalidArgument,
                $"The {engine} engine is how the simulator runs guest code; a KVM guest's code runs on the host's processor (-Backend Kvm), where no engine applies.", engine);
        if (style == VirtualizationStyle.Emulation && engine != Cpu.ExecutionEngine.Interpreter)
            throw new VirtPSException(ErrorIds.StyleNeedsInterpreter, ErrorKind.InvalidArgument,
                $"The Emulation style interprets every instruction by definition; it runs with -Engine Interpreter only, not {engine}.", engine);
    }

    /// <summary>The cost model; null: the host's.</summary>
    public CostModel? Costs { get; init; }
    /// <summary>The host's name; null: the lab's default host.</summary>
    public string? Host { get; init; }

    /// <summary>A container's host name (its uts namespace; null: its name), CPU quota (its share of the CPU time the
    /// shared kernel hands out, in (0, 1]; null: 1), memory limit in MB (null: none) and the namespaces it has of its own
    /// (pid, uts, mount, net; null: all). Container style only.</summary>
    public string? HostName { get; init; }
    public double? CpuQuota { get; init; }
    public double? MemoryLimitMB { get; init; }
    public IReadOnlyList<string>? Namespaces { get; init; }

    bool UsesKernel => Kind != GuestImageKind.Bare;
    /// <summary>The memory the guest gets.</summary>
    public int EffectiveMemoryMB => MemoryMB ?? (UsesKernel ? DefaultKernelMemoryMB : DefaultBareMemoryMB);

    /// <summary>Checks what can be checked without building anything (the rest — the image's fit, the kernel's
    /// assembly — is checked by <see cref="Guest.Create(GuestSpec)"/> before the guest exists). Throws
    /// <see cref="VirtPSException"/> with the first problem's error id.</summary>
    public void Validate()
    {
        Guest.ValidateName(Name);
        if (Style == VirtualizationStyle.Container) ValidateContainer();
        else
        {
            if (!Styles.Vmm.Available.Contains(Style)) throw Styles.Vmm.Unavailable(Style);
            string? option = HostName is not null ? "-HostName" : CpuQuota is not null ? "-CpuQuota" : MemoryLimitMB is not null ? "-MemoryLimitMB"
                : Namespaces is not null ? "-Namespace" : null;
            if (option is not null)
                throw new VirtPSException(ErrorIds.ContainerOptionNeedsContainerStyle, ErrorKind.InvalidArgument,
                    $"{option} applies to containers only (-Style Container); a {Style} guest has a kernel of its own.", option);
        }
        if (Paging is { } p)
        {
            if (Style != VirtualizationStyle.HardwareAssisted)
                throw new VirtPSException(ErrorIds.PagingModeNeedsHardwareAssisted, ErrorKind.InvalidArgument,
                    $"-Paging {p} applies to HardwareAssisted guests only; {Style} virtualizes memory its own way.", p);
            if (!Styles.HardwareAssisted.PagingModes.Contains(p))
                throw new VirtPSException(ErrorIds.PagingModeNotSupported, ErrorKind.InvalidArgument,
                    $"A hardware-assisted VMM virtualizes memory by {string.Join(" or ", Styles.HardwareAssisted.PagingModes)} paging, not {p}.", p);
        }
        if (EptPageSize is { } size)
        {
            if (Style != VirtualizationStyle.HardwareAssisted)
                throw new VirtPSException(ErrorIds.PagingModeNeedsHardwareAssisted, ErrorKind.InvalidArgument,
                    $"-EptPageSize applies to HardwareAssisted guests with nested paging; this guest runs under {Style}.", size);
            if ((Paging ?? Styles.HardwareAssisted.DefaultPaging) != MemoryVirtualization.Nested)
                throw new VirtPSException(ErrorIds.NestedPagingNotEnabled, ErrorKind.InvalidOperation,
                    "This guest's memory is virtualized by shadow paging; EPT page sizes apply under -Paging Nested.", size);
            Memory.ExtendedPageTables.ValidatePageSize(size);
        }
        if (Backend == Kvm.ExecutionBackend.Kvm) Kvm.KvmBackend.CheckStyle(Style);   // before the device is touched
        if (Engine is { } engine) CheckEngine(Style, Backend, engine);
        else if (Backend == Kvm.ExecutionBackend.Simulator) DefaultEngine(Style);   // a bad VIRTPS_ENGINE, before anything is built
        if (Style == VirtualizationStyle.Application && Kind != GuestImageKind.ClassFiles)
            throw new VirtPSException(ErrorIds.StyleNeedsClassFiles, ErrorKind.InvalidArgument,
                "An Application guest is a process VM: it runs Java class files (-Path), not workloads, programs or bare images.", Style);
        if (Kind == GuestImageKind.ClassFiles)
        {
            if (Style != VirtualizationStyle.Application)
                throw new VirtPSException(ErrorIds.ClassFilesNeedApplicationStyle, ErrorKind.InvalidArgument,
                    $"Class files run under -Style Application (the process VM), not {Style}.", Style);
            if (ClassFiles is not { Count: > 0 })
                throw new VirtPSException(ErrorIds.ClassFileNotFound, ErrorKind.InvalidArgument, "An Application guest needs at least one class file.", null);
            if (JitThreshold < 0)
                throw new VirtPSException(ErrorIds.InvalidJitThreshold, ErrorKind.InvalidArgument, $"The JIT threshold must be 0 or more; got {JitThreshold}.", JitThreshold);
        }
        if (Style == VirtualizationStyle.Library && (Kind != GuestImageKind.UserProgram || Image.Length == 0)) throw Styles.Vmm.NeedsPe(Style);
        if (Style == VirtualizationStyle.Library && Processes is not (null or 1))
            throw new VirtPSException(ErrorIds.InvalidProcessCount, ErrorKind.InvalidArgument,
                $"A Library guest runs its executable as one process (its TEB is the one GS points at); got {Processes}.", Processes);
        if (Kind == GuestImageKind.Workload && string.IsNullOrEmpty(Workload))
            throw new VirtPSException(ErrorIds.UnknownWorkload, ErrorKind.InvalidArgument, "A workload guest needs a workload name.", Workload);
    }

    /// <summary>A container's own options: a program for the shared kernel (not a bare image), one first process, a
    /// quota in (0, 1], a positive memory limit, known namespaces, a printable host name.</summary>
    void ValidateContainer()
    {
        if (Kind == GuestImageKind.Bare)
            throw new VirtPSException(ErrorIds.ContainerNeedsKernelProgram, ErrorKind.InvalidArgument,
                "A container is a user space on its host's shared kernel: give it a workload or a program for the built-in kernel's system calls, not a bare image.", Name);
        if (Paging is not null || EptPageSize is not null)
            throw new VirtPSException(ErrorIds.PagingModeNeedsHardwareAssisted, ErrorKind.InvalidArgument,
                "A container's memory is its shared kernel's page tables on the bare machine; -Paging and -EptPageSize apply to HardwareAssisted guests.", Paging);
        if (Backend != Kvm.ExecutionBackend.Simulator)
            throw new VirtPSException(Kvm.KvmBackend.BackendUnsupportedStyleErrorId, ErrorKind.InvalidArgument,
                "Containers run on their host's shared kernel in the simulator; KVM runs whole virtual machines.", Style);
        if (Processes is { } p && p != 1)
            throw new VirtPSException(ErrorIds.InvalidProcessCount, ErrorKind.InvalidArgument,
                $"A container starts with one process (it may spawn more); got {p}.", p);
        if (MemoryMB is not null)
            throw new VirtPSException(ErrorIds.ContainerOptionNeedsContainerStyle, ErrorKind.InvalidArgument,
                "A container's memory is its host's; limit it with -MemoryLimitMB.", MemoryMB);
        if (CpuQuota is { } q && (!(q > 0 && q <= 1) || Math.Round(q * 1000) < 1))
            throw new VirtPSException(ErrorIds.InvalidCpuQuota, ErrorKind.InvalidArgument, q > 0 && q <= 1
                ? $"-CpuQuota is kept in thousandths; {q} rounds to 0."
                : $"-CpuQuota is the container's share of the CPU, greater than 0 and at most 1; got {q}.", q);
        if (MemoryLimitMB is { } m && !(m > 0 && m <= ContainerHost.MemoryMB))
            throw new VirtPSException(ErrorIds.MemoryLimitTooSmall, ErrorKind.InvalidArgument,
                $"-MemoryLimitMB must be greater than 0 and at most the host kernel's {ContainerHost.MemoryMB} MB; got {m}.", m);
        foreach (var n in Namespaces ?? [])
            if (!ContainerHost.NamespaceBits.ContainsKey(n ?? ""))
                throw new VirtPSException(ErrorIds.UnknownNamespace, ErrorKind.InvalidArgument,
                    $"'{n}' is not a namespace the shared kernel has; use pid, uts, mount or net.", n);
        if (HostName is { } h && (h.Length == 0 || h.Length > ContainerHost.MaxHostName || h.Any(c => c <= 0x20 || c > 0x7E)))
            throw new VirtPSException(ErrorIds.InvalidContainerHostName, ErrorKind.InvalidArgument,
                $"A container's host name is 1 to {ContainerHost.MaxHostName} printable ASCII characters without spaces; got '{h}'.", h);
    }
}
