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

    /// <summary>The cost model; null: the host's.</summary>
    public CostModel? Costs { get; init; }
    /// <summary>The host's name; null: the lab's default host.</summary>
    public string? Host { get; init; }

    bool UsesKernel => Kind != GuestImageKind.Bare;
    /// <summary>The memory the guest gets.</summary>
    public int EffectiveMemoryMB => MemoryMB ?? (UsesKernel ? DefaultKernelMemoryMB : DefaultBareMemoryMB);

    /// <summary>Checks what can be checked without building anything (the rest — the image's fit, the kernel's
    /// assembly — is checked by <see cref="Guest.Create(GuestSpec)"/> before the guest exists). Throws
    /// <see cref="VirtPSException"/> with the first problem's error id.</summary>
    public void Validate()
    {
        Guest.ValidateName(Name);
        if (!Styles.Vmm.Available.Contains(Style)) throw Styles.Vmm.Unavailable(Style);
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
        if (Style == VirtualizationStyle.Library && (Kind != GuestImageKind.UserProgram || Image.Length == 0)) throw Styles.Vmm.NeedsPe(Style);
        if (Style == VirtualizationStyle.Library && Processes is not (null or 1))
            throw new VirtPSException(ErrorIds.InvalidProcessCount, ErrorKind.InvalidArgument,
                $"A Library guest runs its executable as one process (its TEB is the one GS points at); got {Processes}.", Processes);
        if (Kind == GuestImageKind.Workload && string.IsNullOrEmpty(Workload))
            throw new VirtPSException(ErrorIds.UnknownWorkload, ErrorKind.InvalidArgument, "A workload guest needs a workload name.", Workload);
    }
}
