using System.Collections;
using System.Management.Automation;
using VirtPS.Engine;
using VirtPS.Engine.Asm;
using VirtPS.Engine.Guests;
using VirtPS.Engine.Memory;
using VirtPS.Engine.Styles;

namespace VirtPS.Commands;

/// <summary>
/// Creates a guest in the current runspace's lab. A program, source code or raw bytes run as the first user
/// process of the built-in kernel, or, with -Bare, alone on the machine at 0x100000; -Workload boots the kernel
/// with a named workload. With none of them the guest holds a single HLT: an empty machine that halts on its
/// first instruction.
/// </summary>
[Cmdlet(VerbsCommon.New, "VGuest", DefaultParameterSetName = EmptySet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(Guest))]
public sealed class NewVGuestCommand : PSCmdlet
{
    const string EmptySet = "Empty";
    const string ProgramSet = "Program";
    const string CodeSet = "Code";
    const string BytesSet = "Bytes";
    const string BareProgramSet = "BareProgram";
    const string BareCodeSet = "BareCode";
    const string BareBytesSet = "BareBytes";
    const string WorkloadSet = "Workload";
    const string PathSet = "Path";

    /// <summary>The guest's name: 1 to 64 letters, digits, underscores, hyphens or dots, starting with a letter,
    /// digit or underscore. Names are unique in the runspace, compared without case (else InvalidGuestName or
    /// GuestExists). Several names piped in create several guests.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    public string Name { get; set; } = "";

    /// <summary>An assembled program from ConvertTo-VProgram, started at its entry point. Under the kernel it must
    /// be assembled at the user base (ConvertTo-VProgram -Origin 0x40000000), otherwise the error is
    /// ProgramOriginNotUserBase; with -Bare it is loaded at its origin.</summary>
    [Parameter(Mandatory = true, ParameterSetName = ProgramSet)]
    [Parameter(Mandatory = true, ParameterSetName = BareProgramSet)]
    public VProgram? Program { get; set; }

    /// <summary>Assembly source, assembled at the user base 0x40000000 and run as a user process; with -Bare,
    /// assembled at 0x100000 and run alone. Several strings are joined as lines.</summary>
    [Parameter(Mandatory = true, ParameterSetName = CodeSet)]
    [Parameter(Mandatory = true, ParameterSetName = BareCodeSet)]
    public string[] Code { get; set; } = [];

    /// <summary>Raw x86-64 machine code, started at its first byte: loaded at the user base 0x40000000 as a user
    /// process, or at 0x100000 with -Bare.</summary>
    [Parameter(Mandatory = true, ParameterSetName = BytesSet)]
    [Parameter(Mandatory = true, ParameterSetName = BareBytesSet)]
    public byte[] Bytes { get; set; } = [];

    /// <summary>A foreign executable to run. With -Style Library: one Windows x86-64 console program (a PE32+ .exe, such
    /// as mingw-w64 builds), loaded at its ImageBase (relocated when a process cannot have it) into a process of the
    /// built-in kernel, its KERNEL32 and msvcrt imports bound to VirtPS's translation layer (Get-VImport lists them). A file that is
    /// no PE is NotPortableExecutable; a cut-off one PeTruncated; one for another machine PeMachineNotSupported; a
    /// missing file FileNotFound. -Bytes takes the same executable's bytes.</summary>
    [Parameter(Mandatory = true, ParameterSetName = PathSet)]
    public string[] Path { get; set; } = [];

    /// <summary>Runs -Program, -Code or -Bytes alone on the machine, without the built-in kernel: loaded at
    /// 0x100000 (or the program's origin) at privilege level 0, as a bare-metal program. HLT then halts the
    /// machine.</summary>
    [Parameter(Mandatory = true, ParameterSetName = BareProgramSet)]
    [Parameter(Mandatory = true, ParameterSetName = BareCodeSet)]
    [Parameter(Mandatory = true, ParameterSetName = BareBytesSet)]
    public SwitchParameter Bare { get; set; }

    /// <summary>Boot the built-in kernel running this workload in user processes. Get-VWorkload lists them:
    /// compute, syscall, in, cr8wr, callret, pgfault, divzero, ptemod, ctxswitch, forkwait, tlbstride, tlbswitch.
    /// An unknown name is UnknownWorkload.</summary>
    [Parameter(Mandatory = true, ParameterSetName = WorkloadSet)]
    [ArgumentCompleter(typeof(WorkloadNameCompleter))]
    public string Workload { get; set; } = "";

    /// <summary>How many iterations the workload runs, 1 or more; the default is the workload's own (see
    /// Get-VWorkload).</summary>
    [Parameter(ParameterSetName = WorkloadSet)]
    [ValidateRange(1, 1L << 40)]
    [PSDefaultValue(Help = "the workload's own")]
    public long Iterations { get; set; }

    /// <summary>How many user processes the kernel starts with the workload or program, 1 to 16; the default is the
    /// workload's own, or 1 for a program.</summary>
    [Parameter(ParameterSetName = WorkloadSet)]
    [Parameter(ParameterSetName = ProgramSet)]
    [Parameter(ParameterSetName = CodeSet)]
    [Parameter(ParameterSetName = BytesSet)]
    [ValidateRange(1, 16)]
    [PSDefaultValue(Help = "the workload's own; 1 for a program")]
    public int Processes { get; set; }

    /// <summary>User instructions between the kernel's scheduling ticks (the default is 100000); 0 turns preemption
    /// off, so context switches happen only on yield and exit. The tick is a performance-monitoring interrupt: the
    /// kernel programs IA32_PMC0 to count instructions retired at CPL 3 and to interrupt when it wraps, so ticks
    /// land at the same user instruction under every style and in the paravirtual build of the kernel, whatever the
    /// kernel itself executes.</summary>
    [Parameter(ParameterSetName = WorkloadSet)]
    [Parameter(ParameterSetName = ProgramSet)]
    [Parameter(ParameterSetName = CodeSet)]
    [Parameter(ParameterSetName = BytesSet)]
    [Parameter(ParameterSetName = PathSet)]
    [ValidateRange(0, long.MaxValue)]
    [PSDefaultValue(Value = Engine.Guests.Kernel.DefaultTimerPeriod)]
    public long TimerPeriod { get; set; } = Engine.Guests.Kernel.DefaultTimerPeriod;

    /// <summary>How the guest's CPU is virtualized. Library (Wine's way) runs a Windows executable given by -Path or -Bytes
    /// as a process of the built-in kernel on the bare machine, its KERNEL32 calls translated into the kernel's system
    /// calls by a user-mode layer; it runs no workload (LibraryNeedsPe). Native (the default) is the bare simulated machine. Emulation
    /// interprets every instruction through a software MMU. TrapAndEmulate runs the guest kernel deprivileged (ring
    /// compression to CPL 1): privileged instructions trap into the VMM, and the sensitive unprivileged ones
    /// (PUSHF, POPF, MOV from CS, SGDT, SMSW, ...) silently misbehave and are recorded as fidelity violations.
    /// BinaryTranslation (VMware's software VMM) runs guest user code directly and guest kernel code only from a
    /// translation cache, with every sensitive instruction replaced by a callout into the VMM (see
    /// Get-VTranslationCache). HardwareAssisted runs the guest in VT-x non-root mode with VM exits chosen by
    /// VMCS-like controls, its memory virtualized by nested paging (EPT) unless -Paging Shadow says otherwise.
    /// TrapAndEmulate and BinaryTranslation virtualize memory with shadow page tables. Paravirtual runs the
    /// built-in kernel's paravirtual build, made from the same source: Xen's hypercalls in place of privileged
    /// instructions, page-table updates batched and validated by the hypervisor on the guest's own tables (direct
    /// paging), and the scheduling tick from Xen's virtual PMU (xenpmu_op; the counter's WRMSRs trap and are
    /// emulated); a bare program makes no hypercalls and is refused (error StyleNeedsParavirtualKernel).</summary>
    [Parameter]
    public VirtualizationStyle Style { get; set; } = VirtualizationStyle.Native;

    /// <summary>Where the guest's instructions run. Simulator (the default): the VirtPS engine, which counts every event
    /// and prices it. Kvm: the host's own processor through /dev/kvm (the KVM ioctl API), with the same loader, memory,
    /// registers and device models (the UART, the local APIC and PMU MSRs), so the console is the simulated one; only
    /// Native and HardwareAssisted guests run there (BackendUnsupportedStyle), KVM must be usable (KvmUnavailable, with
    /// the reason), and its steps are bounded by host time (Invoke-VStep -TimeLimit), since KVM does not count the
    /// instructions it retires. Measure-VGuest reports its real exits by KVM exit reason and the host time per exit.</summary>
    [Parameter]
    public Engine.Kvm.ExecutionBackend Backend { get; set; } = Engine.Kvm.ExecutionBackend.Simulator;

    /// <summary>How a HardwareAssisted guest's memory is virtualized. Nested (the default): EPT, a two-dimensional
    /// walk (24 memory references for 4-level guest and EPT tables with cold caches); the VMM maps guest frames on
    /// their first touch (EPT violations, exit 48) and the guest's page-table writes, CR3 loads and INVLPG need no
    /// VMM. Shadow: shadow page tables as first-generation VT-x kept them, with #PF, CR3-load and INVLPG exits and
    /// traced page-table writes. Only valid with -Style HardwareAssisted: with another style the error is
    /// PagingModeNeedsHardwareAssisted (InvalidArgument) and no guest is made; the other styles' paging is their
    /// own.</summary>
    [Parameter]
    [PSDefaultValue(Help = "Nested (under HardwareAssisted)")]
    public MemoryVirtualization Paging { get; set; } = MemoryVirtualization.Nested;

    /// <summary>Under nested paging, the size of the pages the VMM maps guest memory with in EPT: 4096 (the
    /// default) or 2097152 (2MB); a guest 2 MiB region only partly inside guest memory is mapped with 4 KiB pages.
    /// Another size is InvalidEptPageSize; a guest without nested paging gives PagingModeNeedsHardwareAssisted or
    /// NestedPagingNotEnabled.</summary>
    [Parameter]
    public ulong EptPageSize { get; set; } = ExtendedPageTables.SmallPage;

    /// <summary>The host to place the guest on (default: the lab's default host): a host object, a name, or a pattern
    /// that matches one host; -Host is an alias. Its cost model prices the guest, and Invoke-VStep -VHost co-schedules
    /// its guests. A name that matches no host fails parameter binding with a HostNotFound error inside (a pattern that
    /// matches several, with AmbiguousName). Names complete on Tab.</summary>
    [Parameter]
    [Alias("Host")]
    [HostTransformation(Single = true)]
    [ArgumentCompleter(typeof(HostNameCompleter))]
    [SupportsWildcards]
    [PSDefaultValue(Help = "default (the lab's default host)")]
    [ValidateNotNullOrEmpty]
    public string? VHost { get; set; }

    /// <summary>Guest-physical memory in megabytes, 1 to 4096. The default is 64, or 128 when the guest boots the
    /// kernel; the kernel needs 4 to 1024. Frames are backed by host memory only when the guest touches
    /// them.</summary>
    [Parameter]
    [PSDefaultValue(Help = "64; 128 when the guest boots the kernel")]
    public int MemoryMB { get; set; } = 64;

    /// <summary>On (the default, as on a modern core) or Off: whether CPUID.1:ECX[17] reports PCIDs. With them the
    /// built-in kernel sets CR4.PCIDE and tags each process's TLB entries (PCID = slot + 1, CR3 bit 63 on
    /// switches), so context switches keep the TLB; without them every CR3 load flushes it.</summary>
    [Parameter]
    public OnOff Pcid { get; set; } = OnOff.On;

    /// <summary>Values for the workload's own parameters, as a hashtable of names and whole numbers 1 to 65536
    /// (Get-VWorkload shows each workload's Parameters): tlbstride and tlbswitch take Pages (the working set, in 4
    /// KiB pages) and Stride (touch every Stride-th page), e.g. @{ Pages = 4096; Stride = 2 }. An unknown name is
    /// UnknownWorkloadParameter, a bad value InvalidWorkloadParameter.</summary>
    [Parameter(ParameterSetName = WorkloadSet)]
    public Hashtable? WorkloadParameter { get; set; }

    /// <summary>Symbols for assembling -Code, like nasm -D, as a hashtable of names and integers: @{ N = 10
    /// }.</summary>
    [Parameter(ParameterSetName = CodeSet)]
    [Parameter(ParameterSetName = BareCodeSet)]
    public Hashtable? Define { get; set; }

    protected override void ProcessRecord()
    {
        var bound = MyInvocation.BoundParameters;
        try
        {
            // One spec, checked whole by the engine before the guest exists: a failure leaves nothing behind.
            var spec = new GuestSpec
            {
                Name = Name, Style = Style, Host = VHost,
                Paging = bound.ContainsKey(nameof(Paging)) ? Paging : null,
                EptPageSize = bound.ContainsKey(nameof(EptPageSize)) ? EptPageSize : null,
                MemoryMB = bound.ContainsKey(nameof(MemoryMB)) ? MemoryMB : null,
                Processes = bound.ContainsKey(nameof(Processes)) ? Processes : null,
                TimerPeriod = TimerPeriod, Pcid = Pcid == OnOff.On, Backend = Backend,
            };
            spec = ParameterSetName switch
            {
                WorkloadSet => spec with
                {
                    Kind = GuestImageKind.Workload, Workload = Workload, WorkloadParameters = WorkloadParameters(WorkloadParameter),
                    Iterations = bound.ContainsKey(nameof(Iterations)) ? Iterations : null,
                },
                ProgramSet => spec with { Kind = GuestImageKind.UserProgram, Image = Program!.Bytes, Origin = Program.Origin, EntryPoint = Program.EntryPoint },
                CodeSet => FromCode(spec with { Kind = GuestImageKind.UserProgram }),
                BytesSet => spec with { Kind = GuestImageKind.UserProgram, Image = Bytes },
                PathSet => FromPath(spec with { Kind = GuestImageKind.UserProgram }),
                BareProgramSet => spec with { Image = Program!.Bytes, Origin = Program.Origin, EntryPoint = Program.EntryPoint },
                BareCodeSet => FromCode(spec),
                BareBytesSet => spec with { Image = Bytes },
                _ => spec,
            };
            string what = spec.Kind switch
            {
                GuestImageKind.UserProgram when Style == VirtualizationStyle.Library => $"Create a Library guest running a {spec.Image.Length}-byte Windows executable",
                GuestImageKind.Workload => $"Create a {Style} guest booting the kernel with workload '{Workload}'",
                GuestImageKind.UserProgram => $"Create a {Style} guest booting the kernel with a {spec.Image.Length}-byte user program in {spec.Processes ?? 1} process(es)",
                _ => $"Create {Style} guest with {spec.EffectiveMemoryMB} MB and a {Math.Max(1, spec.Image.Length)}-byte image",
            };
            if (!ShouldProcess(Name, what)) return;
            var diagnostics = new DiagnosticsQueue();
            var guest = LabState.Current.Create(spec, diagnostics);
            foreach (var (id, message) in diagnostics.Drain())
                if (id is null) WriteVerbose(message); else WriteWarning(message);
            WriteObject(guest);
        }
        catch (AssemblyException e) { WriteError(Errors.From(e, null)); }
        catch (VirtPSException e) { WriteError(Errors.From(e)); }
    }

    /// <summary>-WorkloadParameter as names and whole numbers (InvalidWorkloadParameter for anything else).</summary>
    internal static Dictionary<string, long>? WorkloadParameters(Hashtable? table)
    {
        if (table is null) return null;
        var d = new Dictionary<string, long>(StringComparer.OrdinalIgnoreCase);
        foreach (DictionaryEntry e in table)
        {
            object? v = e.Value is PSObject pso ? pso.BaseObject : e.Value;
            if (v is not (int or long or short or byte or uint or ulong or ushort))
                throw new VirtPSException(ErrorIds.InvalidWorkloadParameter, ErrorKind.InvalidArgument,
                    $"Workload parameter '{e.Key}' must be a whole number; got '{v}'.", e.Key);
            d[e.Key.ToString()!] = Convert.ToInt64(v, System.Globalization.CultureInfo.InvariantCulture);
        }
        return d;
    }

    /// <summary>Reads -Path: one Windows executable for -Style Library.</summary>
    GuestSpec FromPath(GuestSpec spec)
    {
        if (Style != VirtualizationStyle.Library || Path.Length != 1)
            throw new VirtPSException(ErrorIds.LibraryNeedsPe, ErrorKind.InvalidArgument,
                $"-Path takes one Windows executable for -Style Library; got {Path.Length} path(s) under {Style}.", Path);
        string file = SessionState.Path.GetUnresolvedProviderPathFromPSPath(Path[0]);
        if (!File.Exists(file))
            throw new VirtPSException(ErrorIds.FileNotFound, ErrorKind.ObjectNotFound, $"Cannot find the executable '{Path[0]}'.", Path[0]);
        return spec with { Image = File.ReadAllBytes(file) };
    }

    /// <summary>Assembles -Code: at 0x100000 for a bare machine, else as a user program at the user base.</summary>
    GuestSpec FromCode(GuestSpec spec)
    {
        string source = string.Join('\n', Code);
        var defines = AsmBridge.Defines(Define);
        var p = spec.Kind == GuestImageKind.Bare ? AsmBridge.Assemble(source, defines, Guest.DefaultLoadAddress) : Engine.Guests.Kernel.AssembleUser(source, defines);
        return spec with { Image = p.Bytes, Origin = p.Origin, EntryPoint = p.EntryPoint };
    }
}
