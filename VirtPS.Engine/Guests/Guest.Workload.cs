using VirtPS.Engine.Costs;

namespace VirtPS.Engine.Guests;

public sealed partial class Guest
{
    /// <summary>The workload this guest's kernel runs, if it was made by <see cref="CreateWorkload"/>.</summary>
    public Workload? Workload { get; private set; }
    public long WorkloadIterations { get; private set; }
    public int WorkloadProcesses { get; private set; }
    /// <summary>For a workload guest: every event of its life priced by its cost model, divided by the
    /// iterations all its processes ran; null for other guests.</summary>
    public double? CyclesPerIteration => Workload is null || ContainerHost is not null ? null   // a container's ledger is its shared kernel's
        : Vmm.Ledger().Total(Costs) / (WorkloadIterations * Math.Max(1, WorkloadProcesses));
    /// <summary>The built-in kernel's summary line, parsed, once every process has exited; otherwise null.</summary>
    public KernelSummary? KernelSummary => Kernel.ParseSummary(Machine.Console.Output);

    /// <summary>
    /// Makes a guest that boots the built-in kernel running <paramref name="workload"/> in
    /// <paramref name="processes"/> user processes (defaults: the workload's).
    /// </summary>
    public static Guest CreateWorkload(string name, string workload, long? iterations = null, int? processes = null,
        int memoryMB = GuestSpec.DefaultKernelMemoryMB, long timerPeriod = Kernel.DefaultTimerPeriod, CostModel? costs = null,
        VirtualizationStyle style = VirtualizationStyle.Native, MemoryVirtualization? paging = null,
        IReadOnlyDictionary<string, long>? parameters = null, bool? pcid = null) =>
        Create(new GuestSpec { Name = name, Kind = GuestImageKind.Workload, Workload = workload, Iterations = iterations, Processes = processes,
            MemoryMB = memoryMB, TimerPeriod = timerPeriod, Costs = costs, Style = style, Paging = paging, WorkloadParameters = parameters, Pcid = pcid ?? true });

    /// <summary>The workload <paramref name="spec"/> names, with its parameters, and its iterations (the workload's
    /// default if none): UnknownWorkload or InvalidIterations otherwise. A kernel guest's and a container's alike.</summary>
    internal static (VirtPS.Engine.Guests.Workload Workload, long Iterations) ResolveWorkload(GuestSpec spec)
    {
        var w = (VirtPS.Engine.Guests.Workload.Find(spec.Workload!) ?? throw new VirtPSException(ErrorIds.UnknownWorkload, ErrorKind.InvalidArgument,
            $"No workload named '{spec.Workload}'; use one of: {string.Join(", ", VirtPS.Engine.Guests.Workload.All.Select(x => x.Name))}.", spec.Workload))
            .With(spec.WorkloadParameters);
        long n = spec.Iterations ?? w.DefaultIterations;
        if (n < 1 || n > 1L << 40)
            throw new VirtPSException(ErrorIds.InvalidIterations, ErrorKind.InvalidArgument, $"Iterations must be between 1 and 2^40; got {n}.", n);
        return (w, n);
    }

    static Guest CreateWorkloadCore(GuestSpec spec)
    {
        var (w, n) = ResolveWorkload(spec);
        int p = spec.Processes ?? w.DefaultProcesses;
        var user = Kernel.AssembleWorkload(w, n);
        var g = CreateKernelCore(spec with { Origin = null, EntryPoint = null }, user.Bytes, p);
        if (w.UsesKeyboard) g.AddDevice(new Io.Input.Keyboard());
        g.Workload = w; g.WorkloadIterations = n; g.WorkloadProcesses = p;
        return g;
    }

    /// <summary>Makes a guest that boots the built-in kernel with <paramref name="userProgram"/> as each of its
    /// first processes, entered at <paramref name="userEntry"/> (default: its first byte) at CPL 3. The program
    /// must be linked at <see cref="Kernel.UserCodeAddress"/>: <paramref name="userOrigin"/> says where it was,
    /// and the kernel does not relocate.</summary>
    public static Guest CreateKernelGuest(string name, ReadOnlySpan<byte> userProgram, int processes = 1, int memoryMB = GuestSpec.DefaultKernelMemoryMB,
        long timerPeriod = Kernel.DefaultTimerPeriod, CostModel? costs = null,
        ulong userOrigin = Kernel.UserCodeAddress, ulong? userEntry = null, VirtualizationStyle style = VirtualizationStyle.Native,
        MemoryVirtualization? paging = null) =>
        Create(new GuestSpec { Name = name, Kind = GuestImageKind.UserProgram, Image = userProgram.ToArray(), Processes = processes,
            MemoryMB = memoryMB, TimerPeriod = timerPeriod, Costs = costs, Origin = userOrigin, EntryPoint = userEntry, Style = style, Paging = paging });

    static Guest CreateKernelCore(GuestSpec spec, ReadOnlySpan<byte> userProgram, int processes, ulong userBase = Kernel.UserCodeAddress)
    {
        string name = spec.Name;
        int memoryMB = spec.EffectiveMemoryMB;
        long timerPeriod = spec.TimerPeriod;
        ulong userOrigin = spec.Origin ?? userBase;
        var style = spec.Style;
        if (processes < 1 || processes > Kernel.MaxProcesses)
            throw new VirtPSException(ErrorIds.InvalidProcessCount, ErrorKind.InvalidArgument,
                $"Processes must be between 1 and {Kernel.MaxProcesses}; got {processes}.", processes);
        if (memoryMB < 4 || memoryMB > Kernel.MaxMemoryMB)
            throw new VirtPSException(ErrorIds.InvalidMemorySize, ErrorKind.InvalidArgument,
                $"The built-in kernel needs between 4 and {Kernel.MaxMemoryMB} MB; got {memoryMB}.", memoryMB);
        if (userProgram.Length == 0 || userProgram.Length > Kernel.MaxUserProgram)
            throw new VirtPSException(ErrorIds.ProgramTooLarge, ErrorKind.LimitsExceeded,
                $"The user program must be 1 to {Kernel.MaxUserProgram} bytes; got {userProgram.Length}.", userProgram.Length);
        if (timerPeriod < 0 || timerPeriod > uint.MaxValue)
            throw new VirtPSException(ErrorIds.InvalidTimerPeriod, ErrorKind.InvalidArgument, $"Timer period must be 0 (off) to 2^32-1; got {timerPeriod}.", timerPeriod);
        // A flat image carries no relocations, so one linked elsewhere would run with every absolute address wrong.
        if (userOrigin != userBase)
            throw new VirtPSException(ErrorIds.ProgramOriginNotUserBase, ErrorKind.InvalidArgument,
                $"The program is linked at 0x{userOrigin:X}, but the kernel runs user programs at 0x{Kernel.UserCodeAddress:X} and cannot relocate them; assemble it with ConvertTo-VProgram -Origin 0x{Kernel.UserCodeAddress:X}, or run it without the kernel with -Bare.", userOrigin);
        ulong entry = spec.EntryPoint ?? userBase;
        if (entry < userBase || entry >= userBase + (ulong)userProgram.Length)
            throw new VirtPSException(ErrorIds.InvalidEntryPoint, ErrorKind.InvalidArgument,
                $"Entry point 0x{entry:X} is outside the user program (0x{userBase:X}-0x{userBase + (ulong)userProgram.Length - 1:X}).", entry);
        ulong mem = (ulong)memoryMB << 20;
        bool paravirt = style == VirtualizationStyle.Paravirtual;
        var kernel = Kernel.AssembleKernel(processes, timerPeriod, userProgram.Length, mem, entry, paravirt, userBase: userBase);
        var g = CreateCore(name, style, memoryMB, kernel.Bytes, DefaultLoadAddress, kernel.EntryPoint, spec.Costs, paravirtKernel: paravirt, paging: spec.Paging);
        g.Machine.Memory.Write(Kernel.UserImageAddress, userProgram);
        g.KernelSymbols = kernel.Symbols;
        return g;
    }

    /// <summary>The built-in kernel's symbols (labels and data, identity-mapped), for a guest that runs it; else null.</summary>
    public IReadOnlyDictionary<string, ulong>? KernelSymbols { get; private set; }

    /// <summary>Reads a 64-bit variable of the built-in kernel by its symbol, or null.</summary>
    public ulong? ReadKernelVariable(string symbol) =>
        KernelSymbols?.TryGetValue(symbol, out var at) == true ? BitConverter.ToUInt64(Machine.Memory.Read(at, 8)) : null;

    /// <summary>
    /// The pid of the process the built-in kernel is running, read from the kernel's own data (its `cur`
    /// pointer, then the process entry's pid at offset 8); null for a guest without the kernel or before the
    /// first process starts.
    /// </summary>
    public long? CurrentProcessId
    {
        get
        {
            if (ReadKernelVariable("cur") is not { } entry) return null;
            var mem = Machine.Memory;
            return entry == 0 || !mem.Contains(entry + 8, 8) ? null : (long)BitConverter.ToUInt64(mem.Read(entry + 8, 8));
        }
    }
}
