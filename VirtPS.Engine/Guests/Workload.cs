namespace VirtPS.Engine.Guests;

/// <summary>
/// A named user program for the built-in kernel, with what it stresses and the counts it must produce,
/// as formulas of the iteration count and the number of processes. The formulas count what the
/// workload itself causes; timer-driven preemptions add context switches on top (see
/// <see cref="KernelSummary.TimerSwitches"/>).
/// </summary>
public sealed class Workload
{
    Workload(string name, string description, long defaultIterations, int defaultProcesses,
        Func<long, int, long> syscalls, Func<long, int, long>? pageFaults = null,
        Func<long, int, long>? contextSwitches = null, Func<long, int, long>? processesRun = null,
        Func<long, int, long>? divideErrors = null, Func<long, int, long>? invlpgs = null,
        Func<long, int, long>? portReads = null, IReadOnlyDictionary<string, long>? parameters = null,
        Func<IReadOnlyDictionary<string, long>, Workload>? bind = null, string? program = null,
        IReadOnlyDictionary<string, long>? switches = null, bool usesKeyboard = false)
    {
        UsesKeyboard = usesKeyboard;
        ProgramFile = program ?? name + ".asm";
        Switches = switches ?? new Dictionary<string, long>();
        Name = name; Description = description; DefaultIterations = defaultIterations; DefaultProcesses = defaultProcesses;
        Parameters = parameters ?? new Dictionary<string, long>();
        _bind = bind;
        _syscalls = syscalls;
        _pageFaults = pageFaults ?? ((_, _) => 0);
        _contextSwitches = contextSwitches ?? ((_, p) => p - 1);
        _processes = processesRun ?? ((_, p) => p);
        _divideErrors = divideErrors ?? ((_, _) => 0);
        _invlpgs = invlpgs ?? ((_, _) => 0);
        _portReads = portReads ?? ((_, _) => 0);
    }

    readonly Func<long, int, long> _syscalls, _pageFaults, _contextSwitches, _processes, _divideErrors, _invlpgs, _portReads;
    readonly Func<IReadOnlyDictionary<string, long>, Workload>? _bind;

    /// <summary>The workload's own parameters beyond ITER (e.g. tlbstride's Pages and Stride): the defaults, or the values
    /// bound by <see cref="With"/>. Each is passed to the program as an upper-case define, and the expected counts use them.</summary>
    public IReadOnlyDictionary<string, long> Parameters { get; }

    /// <summary>This workload with some parameters set (the rest keep their defaults). Unknown names and values out of
    /// range are refused (UnknownWorkloadParameter, InvalidWorkloadParameter).</summary>
    public Workload With(IReadOnlyDictionary<string, long>? values)
    {
        if (values is null || values.Count == 0) return this;
        var merged = new Dictionary<string, long>(Parameters, StringComparer.OrdinalIgnoreCase);
        foreach (var (k, v) in values)
        {
            if (!merged.ContainsKey(k))
                throw new VirtPSException(ErrorIds.UnknownWorkloadParameter, ErrorKind.InvalidArgument,
                    Parameters.Count == 0 ? $"Workload '{Name}' takes no parameters; got '{k}'."
                        : $"Workload '{Name}' has no parameter '{k}'; it takes: {string.Join(", ", Parameters.Keys)}.", k);
            if (v < 1 || v > MaxParameter)
                throw new VirtPSException(ErrorIds.InvalidWorkloadParameter, ErrorKind.InvalidArgument,
                    $"Workload parameter {k} must be 1 to {MaxParameter}; got {v}.", v);
            merged[Parameters.Keys.First(n => string.Equals(n, k, StringComparison.OrdinalIgnoreCase))] = v;
        }
        return _bind!(merged);
    }

    /// <summary>Largest value a workload parameter may take (65536 pages is 256 MiB of working set).</summary>
    public const long MaxParameter = 65536;

    public string Name { get; }
    /// <summary>What the workload stresses.</summary>
    public string Description { get; }
    public long DefaultIterations { get; }
    public int DefaultProcesses { get; }
    /// <summary>Source file of the user program (embedded resource).</summary>
    public string ProgramFile { get; }
    /// <summary>Defines that select a variant of a program another workload shares (tlbswitch is tlbstride with YIELD).</summary>
    public IReadOnlyDictionary<string, long> Switches { get; }
    /// <summary>The program reads the keyboard: a guest made for it gets one (<see cref="Io.Input.Keyboard"/>), and it runs to
    /// its end only when given keys (<see cref="Lab.SendText"/> to the guest with the input focus); without them it waits.</summary>
    public bool UsesKeyboard { get; }

    /// <summary>SYSCALL instructions executed, exits included.</summary>
    public long ExpectedSyscalls(long iterations, int processes) => _syscalls(iterations, processes);
    /// <summary>Demand-paging faults the kernel resolves.</summary>
    public long ExpectedPageFaults(long iterations, int processes) => _pageFaults(iterations, processes);
    /// <summary>Context switches caused by yield, wait and exit, with no timer preemption.</summary>
    public long ExpectedContextSwitches(long iterations, int processes) => _contextSwitches(iterations, processes);
    /// <summary>Processes that ran, spawned ones included.</summary>
    public long ExpectedProcesses(long iterations, int processes) => _processes(iterations, processes);
    /// <summary>#DE exceptions caught and resumed.</summary>
    public long ExpectedDivideErrors(long iterations, int processes) => _divideErrors(iterations, processes);
    /// <summary>INVLPG instructions the kernel executes.</summary>
    public long ExpectedInvlpgs(long iterations, int processes) => _invlpgs(iterations, processes);
    /// <summary>Reads of port 0x80 made on the processes' behalf.</summary>
    public long ExpectedPortReads(long iterations, int processes) => _portReads(iterations, processes);

    public override string ToString() => Parameters.Count == 0 ? Name : $"{Name} ({string.Join(", ", Parameters.Select(kv => $"{kv.Key}={kv.Value}"))})";

    /// <summary>Pages a sweep touches: every Stride-th of Pages.</summary>
    static long Touched(IReadOnlyDictionary<string, long> a) => (a["Pages"] + a["Stride"] - 1) / a["Stride"];

    static Workload TlbStride(IReadOnlyDictionary<string, long> a) =>
        new("tlbstride", "mmaps Pages pages and sweeps them ITER times, touching every Stride-th page: TLB reach (the STLB's 1536 entries cover 6 MiB).",
            4, 1, (_, p) => p * 2, pageFaults: (_, p) => p * Touched(a), parameters: a, bind: TlbStride);

    static Workload TlbSwitch(IReadOnlyDictionary<string, long> a) =>
        new("tlbswitch", "Each process mmaps Pages pages of its own and sweeps them (every Stride-th), then yields, ITER times: TLB refills after context switches (PCID keeps them).",
            200, 2, (n, p) => p * (n + 2), pageFaults: (_, p) => p * Touched(a),
            contextSwitches: (n, p) => p == 1 ? 0 : p * n + p - 1, parameters: a, bind: TlbSwitch,
            program: "tlbstride.asm", switches: new Dictionary<string, long> { ["YIELD"] = 1 });

    static Workload NetPing(IReadOnlyDictionary<string, long> a) =>
        new("netping", "ITER ICMP echoes to Target (a host number on the guest's subnet) through the guest's NIC, its kernel's own ARP, IPv4 and ICMP; then it answers for Linger thousand polls. Needs a NIC (Guest.AddNetworkAdapter).",
            4, 1, (_, p) => p * 4, parameters: a, bind: NetPing);

    static Workload NetPerf(IReadOnlyDictionary<string, long> a) =>
        new("netperf", "A UDP stream of ITER datagrams of Size bytes to Target (a host number on the guest's subnet), port Port, through the guest's NIC. Needs a NIC (Guest.AddNetworkAdapter).",
            100, 1, (_, p) => p * 3, parameters: a, bind: NetPerf);

    /// <summary>The built-in workloads (Adams &amp; Agesen's nanobenchmarks plus context switches).</summary>
    public static IReadOnlyList<Workload> All { get; } =
    [
        new("compute", "Arithmetic in user mode with no kernel entry: the baseline every style runs at native speed.",
            1_000_000, 1, (_, p) => p),
        new("syscall", "getpid in a loop: SYSCALL/SYSRET round trips through the kernel.",
            10_000, 1, (n, p) => p * (n + 2)),
        new("in", "The kernel reads IO port 0x80 ITER times in one system call: one port access per iteration.",
            10_000, 1, (_, p) => p * 2, portReads: (n, p) => p * n),
        new("cr8wr", "The kernel writes CR8 (task priority) ITER times in one system call: one privileged register write per iteration.",
            10_000, 1, (_, p) => p * 2),
        new("callret", "The kernel makes ITER call/ret pairs in one system call: kernel code that a software VMM runs translated.",
            10_000, 1, (_, p) => p * 2),
        new("pgfault", "Touches ITER newly mmapped pages: one demand-paging #PF per page, a PTE write and a new frame each.",
            256, 1, (_, p) => p * 2, pageFaults: (n, p) => p * n),
        new("divzero", "Divides by zero: the kernel's #DE handler skips the DIV and resumes; an exception round trip per iteration.",
            10_000, 1, (_, p) => p, divideErrors: (n, p) => p * n),
        new("ptemod", "The kernel rewrites a live PTE ITER times (keep it even) in one system call, then one INVLPG: a page-table write per iteration.",
            5_000, 1, (_, p) => p * 2, invlpgs: (_, p) => p),
        new("ctxswitch", "Processes yield to each other: a context switch with a CR3 load per yield.",
            5_000, 2, (n, p) => p * (n + 1), contextSwitches: (n, p) => p == 1 ? 0 : p * n + p - 1),
        new("forkwait", "Spawns a child (an eager copy of the address space) that exits at once, and waits for it.",
            100, 1, (n, p) => p * (3 * n + 1), contextSwitches: (n, p) => p == 1 ? 2 * n : p * 2 * n + p - 1,
            processesRun: (n, p) => p * (n + 1)),
        TlbStride(new Dictionary<string, long> { ["Pages"] = 2048, ["Stride"] = 1 }),
        TlbSwitch(new Dictionary<string, long> { ["Pages"] = 64, ["Stride"] = 1 }),
        new("diskread", "Reads the whole disk in 64 KiB blk_read calls and prints its CRC-32 (zlib's): block IO through the guest's driver (ATA PIO, virtio-blk). ITER is not used.",
            1, 1, (_, p) => p * 4, pageFaults: (_, p) => p * 18),
        new("diskwrite", "Writes every sector n of the disk with 64 copies of n in 64 KiB blk_write calls, then flushes: block IO from the guest. ITER is not used.",
            1, 1, (_, p) => p * 4, pageFaults: (_, p) => p * 16),
        // keys' count is the least: a read and an echo per character, the last line and the exit; every read that finds
        // no key yet adds one (how many depends on when the keys are sent).
        new("keys", "Echoes the keys typed on its keyboard (Send-VInput, to the guest with the input focus) until ITER characters or Escape: an emulated i8042, an exit per register access, IRQ 1 per byte. Waits, yielding, while no key comes.",
            16, 1, (n, p) => p * (2 * n + 2), usesKeyboard: true),
        NetPing(new Dictionary<string, long> { ["Target"] = 101, ["Linger"] = 100 }),
        NetPerf(new Dictionary<string, long> { ["Target"] = 20, ["Port"] = 9, ["Size"] = 64 }),
    ];

    /// <summary>The disk workloads' formulas (mmap, blk_info, write, exit) count a guest with no disk, where blk_info answers 0.
    /// With a disk of <paramref name="sectors"/> sectors each process also makes this many blk_read or blk_write calls, one
    /// per 64 KiB, and diskwrite one blk_flush.</summary>
    public static long DiskTransferCalls(long sectors) => (sectors + 127) / 128;

    /// <summary>Finds a workload by name (case-insensitive), or null.</summary>
    public static Workload? Find(string name) =>
        All.FirstOrDefault(w => string.Equals(w.Name, name, StringComparison.OrdinalIgnoreCase));
}
