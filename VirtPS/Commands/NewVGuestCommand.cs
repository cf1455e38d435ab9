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

    /// <summary>A foreign program to run. With -Style Library: one Windows x86-64 console program (a PE32+ .exe, such as
    /// mingw-w64 builds), loaded at its ImageBase (relocated when a process cannot have it) into a process of the built-in
    /// kernel, its KERNEL32 and msvcrt imports bound to VirtPS's translation layer (Get-VImport lists them): a file that is no
    /// PE is NotPortableExecutable, a cut-off one PeTruncated, one for another machine PeMachineNotSupported, a missing
    /// file FileNotFound; -Bytes takes the same executable's bytes. With -Style Application: Java class files (.class,
    /// javac's output) or directories holding them (searched with their subdirectories), the class hierarchy of one
    /// program, each read, verified and linked before the guest exists: a missing path is ClassFileNotFound; a bad class
    /// file ClassFileBadMagic, ClassFileTruncated, ClassFileVersionUnsupported (above 61, Java 17) or ClassFileMalformed; a
    /// method the JVM cannot run BytecodeUnsupported (naming the opcode, e.g. monitorenter) or BytecodeVerifyFailed; a call
    /// outside the program and its intrinsics JavaLinkFailed. Under any other style -Path is LibraryNeedsPe (an .exe) or
    /// ClassFilesNeedApplicationStyle.</summary>
    [Parameter(Mandatory = true, ParameterSetName = PathSet)]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = [];
    /// <summary>With -Style Application: the class whose public static void main(String[]) starts, in dots or slashes
    /// (Fib, pkg.Main); the default is the first class given that has one (else JavaMainNotFound).</summary>
    [Parameter(ParameterSetName = PathSet)]
    [PSDefaultValue(Help = "the first class with a main method")]
    public string? MainClass { get; set; }

    /// <summary>With -Style Application: how many invocations a method runs in the guest interpreter before the baseline
    /// compiler turns it into x86-64 (the next invocation runs compiled). 0 compiles every method before its first run; a
    /// huge value (e.g. [long]::MaxValue) never compiles. The default is 200, HotSpot's Tier3InvocationThreshold.</summary>
    [Parameter(ParameterSetName = PathSet)]
    [ValidateRange(0, long.MaxValue)]
    [PSDefaultValue(Value = GuestSpec.DefaultJitThreshold)]
    public long JitThreshold { get; set; } = GuestSpec.DefaultJitThreshold;

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
    [PSDefaultValue(Value = VirtPS.Engine.Guests.Kernel.DefaultTimerPeriod)]
    public long TimerPeriod { get; set; } = VirtPS.Engine.Guests.Kernel.DefaultTimerPeriod;

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
    /// emulated); a bare program makes no hypercalls and is refused (error StyleNeedsParavirtualKernel). Application is a
    /// process VM, the JVM's way: Java class files (-Path) are verified, linked and run by a bytecode interpreter in a user
    /// process of the built-in kernel, each method compiled to x86-64 once its invocations pass -JitThreshold (see
    /// Get-VMethod); it runs class files only (StyleNeedsClassFiles otherwise).</summary>
    [Parameter]
    public VirtualizationStyle Style { get; set; } = VirtualizationStyle.Native;

    /// <summary>Where the guest's instructions run. Simulator (the default): the VirtPS engine, which counts every event
    /// and prices it. Kvm: the host's own processor through /dev/kvm (the KVM ioctl API), with the same loader, memory,
    /// registers and device models (the UART, the local APIC and PMU MSRs), so the console is the simulated one; only
    /// Native and HardwareAssisted guests run there (BackendUnsupportedStyle), KVM must be usable (KvmUnavailable, with
    /// the reason), and its steps are bounded by host time (Invoke-VStep -TimeLimit), since KVM does not count the
    /// instructions it retires. Measure-VGuest reports its real exits by KVM exit reason and the host time per exit.</summary>
    [Parameter]
    public VirtPS.Engine.Kvm.ExecutionBackend Backend { get; set; } = VirtPS.Engine.Kvm.ExecutionBackend.Simulator;

    /// <summary>How the simulator runs the guest's code on the host, a choice the guest cannot see: both engines leave
    /// the same registers, memory, console and counters (every Measure-VGuest figure), and differ only in host time.
    /// Translator (the default) compiles a block to .NET code once it has run 2048 times and interprets the rest;
    /// Interpreter runs every instruction through the reference interpreter. The Emulation style is an interpreter by
    /// definition: it defaults to Interpreter and refuses Translator (StyleNeedsInterpreter, InvalidArgument, no guest
    /// made). A KVM guest's code runs on the host's processor, so -Engine with -Backend Kvm is EngineNeedsSimulator and its
    /// Engine property is empty. Containers on one host share one kernel and so one engine: -Engine on a container sets
    /// it for that host's shared kernel, every container on it included. Without -Engine the environment variable
    /// VIRTPS_ENGINE (Interpreter or Translator), if set, gives the default. Set-VGuest -Engine switches it later.</summary>
    [Parameter]
    [PSDefaultValue(Help = "Translator (Interpreter under Emulation), or what VIRTPS_ENGINE says")]
    public VirtPS.Engine.Cpu.ExecutionEngine Engine { get; set; } = VirtPS.Engine.Cpu.ExecutionEngine.Translator;

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

    /// <summary>A container's host name (its uts namespace), read by the uname system call: 1 to 47 printable ASCII
    /// characters without spaces; the default is the guest's name. -Style Container only
    /// (ContainerOptionNeedsContainerStyle otherwise; InvalidContainerHostName for a bad name).</summary>
    [Parameter]
    [PSDefaultValue(Help = "the guest's name")]
    public string? HostName { get; set; }

    /// <summary>A container's CPU quota: its share of the CPU time the shared kernel's scheduler hands out, greater than 0
    /// and at most 1 (InvalidCpuQuota otherwise), counted in user instructions retired. -Style Container only.</summary>
    [Parameter]
    [PSDefaultValue(Help = "1")]
    public double CpuQuota { get; set; } = 1;

    /// <summary>A container's memory limit in MB (fractions allowed; 256 pages a MB): a page fault that would take it
    /// past the limit kills the faulting process, with an OOM line on the container's console. Below what the program
    /// needs to start (its code, a data page, its stack and page tables) is MemoryLimitTooSmall. -Style Container only.</summary>
    [Parameter]
    [PSDefaultValue(Help = "no limit")]
    public double MemoryLimitMB { get; set; }

    /// <summary>The namespaces a container has of its own: pid, uts, mount, net (UnknownNamespace for anything else).
    /// Without pid it sees the host's pids; without uts, the host's name; without mount, the host's files.
    /// -Style Container only.</summary>
    [Parameter]
    [ValidateNotNull]
    [PSDefaultValue(Help = "pid, uts, mount, net")]
    public string[]? Namespace { get; set; }

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
                Engine = bound.ContainsKey(nameof(Engine)) ? Engine : null,
                HostName = HostName, CpuQuota = bound.ContainsKey(nameof(CpuQuota)) ? CpuQuota : null,
                MemoryLimitMB = bound.ContainsKey(nameof(MemoryLimitMB)) ? MemoryLimitMB : null, Namespaces = Namespace,
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
                BareProgramSet => spec with { Image = Program!.Bytes, Origin = Program.Origin, EntryPoint = Program.EntryPoint },
                BareCodeSet => FromCode(spec),
                BareBytesSet => spec with { Image = Bytes },
                PathSet => Style switch
                {
                    VirtualizationStyle.Library => FromPath(spec with { Kind = GuestImageKind.UserProgram }),
                    VirtualizationStyle.Application => spec with
                    {
                        Kind = GuestImageKind.ClassFiles, MainClass = MainClass, JitThreshold = JitThreshold,
                        ClassFiles = VirtPS.Engine.Jvm.JavaProgram.ReadClassFiles(Path.SelectMany(Resolve)),
                    },
                    _ => throw new VirtPSException(
                        Path.All(p => p.EndsWith(".exe", StringComparison.OrdinalIgnoreCase)) ? ErrorIds.LibraryNeedsPe : ErrorIds.ClassFilesNeedApplicationStyle,
                        ErrorKind.InvalidArgument,
                        $"-Path runs a foreign program: a Windows executable under -Style Library, or Java class files under -Style Application; a {Style} guest runs -Workload, -Code, -Bytes or -Program.", Path),
                },
                _ => spec,
            };
            string what = Style == VirtualizationStyle.Container ? $"Create a container on host '{VHost ?? "default"}''s shared kernel" : spec.Kind switch
            {
                GuestImageKind.UserProgram when Style == VirtualizationStyle.Library => $"Create a Library guest running a {spec.Image.Length}-byte Windows executable",
                GuestImageKind.Workload => $"Create a {Style} guest booting the kernel with workload '{Workload}'",
                GuestImageKind.ClassFiles => $"Create an {Style} guest running {spec.ClassFiles!.Count} class file(s)",
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

    /// <summary>A -Path as the file-system paths it names (wildcards expanded); one that names nothing is ClassFileNotFound.</summary>
    IEnumerable<string> Resolve(string path)
    {
        try { return GetResolvedProviderPathFromPSPath(path, out _); }
        catch (ItemNotFoundException)
        {
            throw new VirtPSException(ErrorIds.ClassFileNotFound, ErrorKind.ObjectNotFound, $"Cannot find '{path}'.", path);
        }
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

    /// <summary>Reads -Path: one Windows executable for -Style Library (the only style that calls this).</summary>
    GuestSpec FromPath(GuestSpec spec)
    {
        if (Path.Length != 1)
            throw new VirtPSException(ErrorIds.LibraryNeedsPe, ErrorKind.InvalidArgument,
                $"-Path takes one Windows executable for -Style Library; got {Path.Length} path(s).", Path);
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
        var p = spec.Kind == GuestImageKind.Bare ? AsmBridge.Assemble(source, defines, Guest.DefaultLoadAddress) : VirtPS.Engine.Guests.Kernel.AssembleUser(source, defines);
        return spec with { Image = p.Bytes, Origin = p.Origin, EntryPoint = p.EntryPoint };
    }
}
