using VirtPS.Engine.Costs;
using VirtPS.Engine.Cpu;
using VirtPS.Engine.Guests;

using VirtPS.Engine.Styles;

namespace VirtPS.Engine.Guests;

/// <summary>
/// Runs one workload under several styles, each on a fresh guest, and prices every run with the same cost
/// model: the table Adams &amp; Agesen (ASPLOS 2006) drew for their nanobenchmarks. Nothing here knows a style's
/// or a workload's cost; the rows are counted events times the model's prices.
/// Cycles per iteration are marginal, as a nanobenchmark measures them: each style runs the workload for N
/// and for 2N iterations, and the difference in cycles divided by N is what one more iteration costs, so
/// booting the kernel, printing its summary and exiting cancel out.
/// </summary>
public static class StyleComparison
{
    /// <summary>
    /// One row per style; HardwareAssisted gives one row per paging mode in <paramref name="paging"/> (default: nested
    /// only) and, under nested paging, one per EPT page size in <paramref name="eptPageSizes"/> (default: 4 KiB), so
    /// nested, nested with 2 MiB pages and shadow paging stand side by side. Everything is validated before the first run.
    /// </summary>
    public static IEnumerable<StyleComparisonRow> Run(string workload, IEnumerable<VirtualizationStyle> styles, long? iterations,
        CostModel model, long maxInstructions = 2_000_000_000, CancellationToken cancel = default,
        IEnumerable<MemoryVirtualization>? paging = null, IReadOnlyDictionary<string, long>? parameters = null, IEnumerable<ulong>? eptPageSizes = null)
    {
        var setups = Setups(styles, paging, eptPageSizes);
        return RunSetups(workload, setups, iterations, model, maxInstructions, cancel, parameters);
    }

    /// <summary>How many rows <see cref="Run"/> writes for these choices (for progress).</summary>
    public static int Count(IEnumerable<VirtualizationStyle> styles, IEnumerable<MemoryVirtualization>? paging, IEnumerable<ulong>? eptPageSizes) =>
        Setups(styles, paging, eptPageSizes).Count;

    /// <summary>The runs a comparison makes: Native first (every other row is a ratio to it), then each style, the
    /// hardware-assisted one once per paging mode and EPT page size.</summary>
    static List<(VirtualizationStyle Style, MemoryVirtualization? Paging, ulong? EptPageSize)> Setups(IEnumerable<VirtualizationStyle> styles,
        IEnumerable<MemoryVirtualization>? paging, IEnumerable<ulong>? eptPageSizes)
    {
        var list = styles.Distinct().ToList();
        foreach (var s in list)
        {
            if (s == VirtualizationStyle.Container) continue;   // containers run on their host's shared kernel, not a VMM
            if (!Vmm.Available.Contains(s)) throw Vmm.Unavailable(s);
            if (!Vmm.RunsMachineCode(s))
                throw new VirtPSException(ErrorIds.StyleNeedsClassFiles, ErrorKind.InvalidArgument,
                    $"{s} runs Java class files, not the built-in workloads; compare it with New-VGuest -Style {s} -Path and Measure-VGuest.", s);
            if (!Vmm.WorkloadStyles.Contains(s)) throw Vmm.NeedsPe(s);
        }
        var sizes = eptPageSizes?.Distinct().ToList() ?? [];
        foreach (var size in sizes) Memory.ExtendedPageTables.ValidatePageSize(size);
        if (!list.Contains(VirtualizationStyle.Native)) list.Insert(0, VirtualizationStyle.Native);
        var setups = new List<(VirtualizationStyle, MemoryVirtualization?, ulong?)>();
        foreach (var style in list)
        {
            if (style != VirtualizationStyle.HardwareAssisted) { setups.Add((style, null, null)); continue; }
            foreach (var p in paging?.Distinct().ToList() is { Count: > 0 } modes ? modes : [MemoryVirtualization.Nested])
            {
                if (p == MemoryVirtualization.Shadow || sizes.Count == 0) setups.Add((style, p, null));
                else foreach (var size in sizes) setups.Add((style, p, size));
            }
        }
        return setups;
    }

    static IEnumerable<StyleComparisonRow> RunSetups(string workload, List<(VirtualizationStyle Style, MemoryVirtualization? Paging, ulong? EptPageSize)> setups,
        long? iterations, CostModel model, long maxInstructions, CancellationToken cancel, IReadOnlyDictionary<string, long>? parameters)
    {
        double? native = null;
        foreach (var (style, paging, eptPageSize) in setups)
        {
            if (style == VirtualizationStyle.Container)
            {
                if (ContainerRow(workload, iterations, model, maxInstructions, cancel, parameters, native) is not { } row) yield break;
                yield return row;
                continue;
            }
            var g = RunOnce(workload, style, iterations, model, maxInstructions, cancel, paging, parameters, eptPageSize);
            if (g is null) yield break;
            var twice = RunOnce(workload, style, 2 * g.WorkloadIterations, model, maxInstructions, cancel, paging, parameters, eptPageSize);
            if (twice is null) yield break;
            var l = g.Vmm.Ledger();
            double cycles = l.Total(model);
            double perIteration = (twice.Vmm.Ledger().Total(model) - cycles) / (g.WorkloadIterations * g.WorkloadProcesses);
            native ??= perIteration;
            yield return new StyleComparisonRow(workload, style, g.Paging.ToString(), model.Name, g.WorkloadIterations, g.Instructions + g.StartupInstructions, cycles,
                Math.Round(perIteration, 1), Math.Round(perIteration / native.Value, 2),
                g.Vmm is HardwareAssisted ha ? ha.TotalExits : 0, l[CostEvent.Trap], l[CostEvent.Callout], l[CostEvent.Hypercall],
                g.Vmm.Violations.Count, g.Machine.Console.Output, g.HostSeconds)
            {
                EptPageSize = g.Vmm is HardwareAssisted { Ept: { } ept } ? ept.PageSize : 0,
                TlbMissesPerIteration = Math.Round((double)(twice.Machine.Cpu.Caches.Tlb.StlbMisses - g.Machine.Cpu.Caches.Tlb.StlbMisses) / (g.WorkloadIterations * g.WorkloadProcesses), 2),
                WalkReferencesPerIteration = Math.Round((double)(twice.Machine.Cpu.TlbMissReferences - g.Machine.Cpu.TlbMissReferences) / (g.WorkloadIterations * g.WorkloadProcesses), 2),
                StartupInstructions = g.StartupInstructions,
                PagesHeld = g.Machine.Memory.ResidentBytes / 4096,
            };
        }
    }

    static Guest? RunOnce(string workload, VirtualizationStyle style, long? iterations, CostModel model, long maxInstructions,
        CancellationToken cancel, MemoryVirtualization? paging, IReadOnlyDictionary<string, long>? parameters, ulong? eptPageSize)
    {
        var g = Guest.CreateWorkload(style.ToString(), workload, iterations, style: style, costs: model, paging: paging, parameters: parameters);
        if (eptPageSize is { } size && g.Vmm is HardwareAssisted { Ept: not null } ha) ha.EptPageSize = size;
        g.StartupInstructions = InstructionsToUserMode(g.Machine);
        var r = g.Step(maxInstructions, cancel);
        if (r.StopReason == StopReason.Cancelled) return null;
        if (r.StopReason != StopReason.Halt)
            throw new VirtPSException(ErrorIds.WorkloadDidNotFinish, ErrorKind.InvalidOperation,
                $"'{workload}' under {style} stopped with {r.StopReason} after {r.Instructions:N0} instructions{(g.LastException is { } e ? $": {e}" : "")}.", style);
        return g;
    }

    /// <summary>Runs <paramref name="machine"/> until it first executes user code (CPL 3 at the user program's address),
    /// stopping on the processor's entry into user mode: the instructions that took, counted by the machine. A bound keeps
    /// a guest that never gets there from holding the caller (the count is then the bound).</summary>
    internal static long InstructionsToUserMode(Machine machine, long bound = 5_000_000)
    {
        long start = machine.Cpu.Retired;
        while (!(machine.Cpu.Cpl == 3 && machine.Cpu.Rip >= Kernel.UserCodeAddress) && machine.Cpu.Retired - start < bound)
            if (machine.Run(bound - (machine.Cpu.Retired - start), Trace.TraceKind.UserEntry).Stop is not (RunStop.Budget or RunStop.Event)) break;
        return machine.Cpu.Retired - start;
    }

    /// <summary>
    /// The Container row: a host's shared kernel is booted with an init container first (a container host is up before
    /// containers come); then the workload runs in a container for N and, after it, in another for 2N iterations. Cycles
    /// are what the kernel's machine counted from each container's request to its end; start-up is the instructions from
    /// the request to the container's first user instruction; pages are what the host's memory grew by for it.
    /// </summary>
    static StyleComparisonRow? ContainerRow(string workload, long? iterations, CostModel model, long maxInstructions,
        CancellationToken cancel, IReadOnlyDictionary<string, long>? parameters, double? native)
    {
        var lab = new Lab();
        lab.DefaultHost.Update(costModel: model);
        var init = lab.Create(new GuestSpec { Name = "init", Style = VirtualizationStyle.Container, Kind = GuestImageKind.UserProgram,
            Image = Kernel.AssembleUser("xor eax, eax\nsyscall\n").Bytes });
        if (init.Step(maxInstructions, cancel).StopReason != StopReason.Halt) return null;
        var host = lab.DefaultHost.ContainerKernel!;
        (Guest Guest, double Cycles, long Startup, long Pages, long Instructions, double Seconds)? Run(string name, long? n)
        {
            var kernel = host.KernelGuest;
            var before = kernel.Vmm.Ledger();
            long pages = host.PagesHeld, retired = kernel.Machine.Cpu.Retired;
            var sw = System.Diagnostics.Stopwatch.StartNew();
            var c = lab.Create(new GuestSpec { Name = name, Style = VirtualizationStyle.Container, Kind = GuestImageKind.Workload, Workload = workload,
                Iterations = n, WorkloadParameters = parameters });
            long startup = InstructionsToUserMode(kernel.Machine);
            var r = c.Step(maxInstructions, cancel);
            if (r.StopReason == StopReason.Cancelled) return null;
            if (r.StopReason != StopReason.Halt)
                throw new VirtPSException(ErrorIds.WorkloadDidNotFinish, ErrorKind.InvalidOperation,
                    $"'{workload}' in a container stopped with {r.StopReason} after {r.Instructions:N0} instructions.", VirtualizationStyle.Container);
            return (c, (kernel.Vmm.Ledger() - before).Total(model), startup, host.PagesHeld - pages, kernel.Machine.Cpu.Retired - retired, sw.Elapsed.TotalSeconds);
        }
        if (Run("once", iterations) is not { } once) return null;
        if (Run("twice", 2 * once.Guest.WorkloadIterations) is not { } twice) return null;
        long iters = once.Guest.WorkloadIterations;
        double perIteration = (twice.Cycles - once.Cycles) / iters;
        return new StyleComparisonRow(workload, VirtualizationStyle.Container, "", model.Name, iters, once.Instructions, once.Cycles,
            Math.Round(perIteration, 1), native is { } nat ? Math.Round(perIteration / nat, 2) : 1, 0, 0, 0, 0, 0, once.Guest.Console.Output, once.Seconds)
        {
            StartupInstructions = once.Startup,
            PagesHeld = once.Pages,
        };
    }
}
