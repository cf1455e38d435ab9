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

    /// <summary>The guest's name: 1–64 letters, digits, '_', '-' or '.'; unique in the lab (case-insensitive).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    public string Name { get; set; } = "";

    /// <summary>An assembled program (from ConvertTo-VProgram): under the kernel it must be linked at 0x40000000;
    /// with -Bare it is loaded at its origin. Either way it starts at its entry point.</summary>
    [Parameter(Mandatory = true, ParameterSetName = ProgramSet)]
    [Parameter(Mandatory = true, ParameterSetName = BareProgramSet)]
    public VProgram? Program { get; set; }

    /// <summary>Source text, assembled at the user base 0x40000000 (or at 0x100000 with -Bare); several strings are joined as lines.</summary>
    [Parameter(Mandatory = true, ParameterSetName = CodeSet)]
    [Parameter(Mandatory = true, ParameterSetName = BareCodeSet)]
    public string[] Code { get; set; } = [];

    /// <summary>Raw machine code loaded at the user base 0x40000000 (or at 0x100000 with -Bare) and started at its first byte.</summary>
    [Parameter(Mandatory = true, ParameterSetName = BytesSet)]
    [Parameter(Mandatory = true, ParameterSetName = BareBytesSet)]
    public byte[] Bytes { get; set; } = [];

    /// <summary>Run the program alone on the machine, without the kernel: loaded at 0x100000 (or its origin), at CPL 0.</summary>
    [Parameter(Mandatory = true, ParameterSetName = BareProgramSet)]
    [Parameter(Mandatory = true, ParameterSetName = BareCodeSet)]
    [Parameter(Mandatory = true, ParameterSetName = BareBytesSet)]
    public SwitchParameter Bare { get; set; }

    /// <summary>Boot the built-in kernel running this workload (see Get-VWorkload): compute, syscall, in, cr8wr, callret, pgfault, divzero, ptemod, ctxswitch, forkwait.</summary>
    [Parameter(Mandatory = true, ParameterSetName = WorkloadSet)]
    [ArgumentCompleter(typeof(WorkloadNameCompleter))]
    public string Workload { get; set; } = "";

    /// <summary>The workload's iteration count (default: the workload's own).</summary>
    [Parameter(ParameterSetName = WorkloadSet)]
    [ValidateRange(1, 1L << 40)]
    public long Iterations { get; set; }

    /// <summary>How many user processes run the workload or program, 1 to 16 (default: the workload's own; 1 for a program).</summary>
    [Parameter(ParameterSetName = WorkloadSet)]
    [Parameter(ParameterSetName = ProgramSet)]
    [Parameter(ParameterSetName = CodeSet)]
    [Parameter(ParameterSetName = BytesSet)]
    [ValidateRange(1, 16)]
    public int Processes { get; set; }

    /// <summary>User instructions between the kernel's scheduling ticks, counted by a performance-monitoring
    /// counter (default 100000); 0 turns preemption off.</summary>
    [Parameter(ParameterSetName = WorkloadSet)]
    [Parameter(ParameterSetName = ProgramSet)]
    [Parameter(ParameterSetName = CodeSet)]
    [Parameter(ParameterSetName = BytesSet)]
    [ValidateRange(0, long.MaxValue)]
    public long TimerPeriod { get; set; } = Engine.Guests.Kernel.DefaultTimerPeriod;

    /// <summary>How the guest's CPU is virtualized (default Native).</summary>
    [Parameter]
    public VirtualizationStyle Style { get; set; } = VirtualizationStyle.Native;

    /// <summary>How a HardwareAssisted guest's memory is virtualized: Nested (EPT, the default) or Shadow (shadow page
    /// tables, as first-generation VT-x). Only valid with -Style HardwareAssisted.</summary>
    [Parameter]
    public MemoryVirtualization Paging { get; set; } = MemoryVirtualization.Nested;

    /// <summary>Under nested paging, the size of the EPT pages the VMM maps guest memory with: 4096 (default) or 2097152 (2 MiB).</summary>
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
    [PSDefaultValue(Help = "the lab's default host ('default')")]
    [ValidateNotNullOrEmpty]
    public string? VHost { get; set; }

    /// <summary>Guest-physical memory in MB, 1 to 4096 (default 64; 128 under the kernel). Frames are backed only when touched.</summary>
    [Parameter]
    public int MemoryMB { get; set; } = 64;

    /// <summary>Whether CPUID reports PCIDs to the guest: On (the default, as on a modern core) or Off. The built-in kernel
    /// tags each process's TLB entries with a PCID when it has them.</summary>
    [Parameter]
    public OnOff Pcid { get; set; } = OnOff.On;

    /// <summary>Values for the workload's own parameters (see Get-VWorkload), e.g. @{ Pages = 4096; Stride = 2 } for tlbstride.</summary>
    [Parameter(ParameterSetName = WorkloadSet)]
    public Hashtable? WorkloadParameter { get; set; }

    /// <summary>Symbols for assembling -Code, like <c>nasm -D</c>: <c>@{ N = 10 }</c>.</summary>
    [Parameter(ParameterSetName = CodeSet)]
    [Parameter(ParameterSetName = BareCodeSet)]
    public Hashtable? Define { get; set; }

    static readonly byte[] Hlt = [0xF4];

    protected override void ProcessRecord()
    {
        var lab = LabState.Current;
        var bound = MyInvocation.BoundParameters;
        int kernelMemory = bound.ContainsKey(nameof(MemoryMB)) ? MemoryMB : 128;
        try
        {
            // Everything is checked before the guest exists, so a failure leaves nothing behind.
            Guest.ValidateName(Name);
            lab.EnsureNameFree(Name);
            VHost? host = null;
            if (VHost is { } hostName)
                host = Engine.Guests.VHost.Find(lab.Hosts, hostName)
                    ?? throw new VirtPSException("HostNotFound", ErrorKind.ObjectNotFound, $"No host named '{hostName}' exists.", hostName);
            MemoryVirtualization? paging = bound.ContainsKey(nameof(Paging)) ? Paging : null;
            Guest guest;
            switch (ParameterSetName)
            {
                case WorkloadSet:
                    if (!ShouldProcess(Name, $"Create a {Style} guest booting the kernel with workload '{Workload}'")) return;
                    guest = Guest.CreateWorkload(Name, Workload,
                        bound.ContainsKey(nameof(Iterations)) ? Iterations : null,
                        bound.ContainsKey(nameof(Processes)) ? Processes : null,
                        kernelMemory, TimerPeriod, style: Style, paging: paging, parameters: WorkloadParameters(WorkloadParameter));
                    break;
                case ProgramSet or CodeSet or BytesSet:
                {
                    // The same path as a workload: the kernel copies the image into each process at the user base.
                    (byte[] image, ulong origin, ulong entry) = ParameterSetName switch
                    {
                        ProgramSet => (Program!.Bytes, Program.Origin, Program.EntryPoint),
                        CodeSet => FromCode(bare: false),
                        _ => (Bytes, Engine.Guests.Kernel.UserCodeAddress, Engine.Guests.Kernel.UserCodeAddress),
                    };
                    int processes = bound.ContainsKey(nameof(Processes)) ? Processes : 1;
                    if (!ShouldProcess(Name, $"Create a {Style} guest booting the kernel with a {image.Length}-byte user program in {processes} process(es)")) return;
                    guest = Guest.CreateKernelGuest(Name, image, processes, kernelMemory, TimerPeriod, userOrigin: origin, userEntry: entry, style: Style, paging: paging);
                    break;
                }
                default:
                {
                    (byte[] image, ulong load, ulong? entry) = ParameterSetName switch
                    {
                        BareProgramSet => (Program!.Bytes, Program.Origin, Program.EntryPoint),
                        BareCodeSet => FromCode(bare: true),
                        BareBytesSet => (Bytes, Guest.DefaultLoadAddress, (ulong?)null),
                        _ => (Hlt, Guest.DefaultLoadAddress, (ulong?)null),
                    };
                    if (!ShouldProcess(Name, $"Create {Style} guest with {MemoryMB} MB and a {image.Length}-byte image")) return;
                    guest = Guest.Create(Name, Style, MemoryMB, image, load, entry, paging: paging);
                    break;
                }
            }
            if (bound.ContainsKey(nameof(EptPageSize)))
            {
                if (guest.Vmm is not HardwareAssisted ha)
                    throw new VirtPSException("PagingModeNeedsHardwareAssisted", ErrorKind.InvalidArgument,
                        $"-EptPageSize applies to HardwareAssisted guests with nested paging; this guest runs under {Style}.", EptPageSize);
                ha.EptPageSize = EptPageSize;   // checked before the guest joins the lab: a bad size leaves nothing behind
            }
            guest.Pcid = Pcid == OnOff.On;
            lab.Add(guest, host);
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
                throw new VirtPSException("InvalidWorkloadParameter", ErrorKind.InvalidArgument,
                    $"Workload parameter '{e.Key}' must be a whole number; got '{v}'.", e.Key);
            d[e.Key.ToString()!] = Convert.ToInt64(v, System.Globalization.CultureInfo.InvariantCulture);
        }
        return d;
    }

    /// <summary>Assembles -Code: at 0x100000 for a bare machine, else as a user program at the user base.</summary>
    (byte[], ulong, ulong) FromCode(bool bare)
    {
        string source = string.Join('\n', Code);
        var defines = AsmBridge.Defines(Define);
        var p = bare ? AsmBridge.Assemble(source, defines, Guest.DefaultLoadAddress) : Engine.Guests.Kernel.AssembleUser(source, defines);
        return (p.Bytes, p.Origin, p.EntryPoint);
    }
}
