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
        Func<long, int, long>? portReads = null)
    {
        Name = name; Description = description; DefaultIterations = defaultIterations; DefaultProcesses = defaultProcesses;
        _syscalls = syscalls;
        _pageFaults = pageFaults ?? ((_, _) => 0);
        _contextSwitches = contextSwitches ?? ((_, p) => p - 1);
        _processes = processesRun ?? ((_, p) => p);
        _divideErrors = divideErrors ?? ((_, _) => 0);
        _invlpgs = invlpgs ?? ((_, _) => 0);
        _portReads = portReads ?? ((_, _) => 0);
    }

    readonly Func<long, int, long> _syscalls, _pageFaults, _contextSwitches, _processes, _divideErrors, _invlpgs, _portReads;

    public string Name { get; }
    /// <summary>What the workload stresses.</summary>
    public string Description { get; }
    public long DefaultIterations { get; }
    public int DefaultProcesses { get; }
    /// <summary>Source file of the user program (embedded resource).</summary>
    public string ProgramFile => Name + ".asm";

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

    public override string ToString() => Name;

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
    ];

    /// <summary>Finds a workload by name (case-insensitive), or null.</summary>
    public static Workload? Find(string name) =>
        All.FirstOrDefault(w => string.Equals(w.Name, name, StringComparison.OrdinalIgnoreCase));
}
