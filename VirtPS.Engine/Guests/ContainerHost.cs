using System.Buffers.Binary;
using System.Text;

namespace VirtPS.Engine.Guests;

/// <summary>
/// A host's shared kernel for containers (OS-level virtualization): the built-in kernel's <c>CONTAINERS</c> build on
/// the host's bare machine, Native, no VMM. The first container placed on a host makes it; it boots when it first runs.
/// Every container is a user space on it: the host, as a container runtime, stages the container's program in the
/// kernel's staging area and posts a request to the kernel's request ring (Lib/containers_defs.asm's layout); the
/// kernel takes it at its next scheduling tick, or at once when idle (the host wakes its halted CPU: the doorbell),
/// and starts the container's first process in the container's namespaces and cgroups. The kernel's own code makes
/// every isolation check; this class only posts requests and reads the kernel's tables.
/// </summary>
public sealed class ContainerHost
{
    /// <summary>Memory of the shared kernel's machine.</summary>
    public const int MemoryMB = GuestSpec.DefaultKernelMemoryMB;

    /// <summary>The CONTAINERS build's symbols, its <c>equ</c>s included (Lib/containers_defs.asm, kernel.asm): the one
    /// source of the layout the host and the kernel share, read from an assembly of that build made once.</summary>
    static readonly Lazy<IReadOnlyDictionary<string, ulong>> LayoutSymbols = new(() => AssembleKernel().Symbols);
    static ulong Layout(string name) => LayoutSymbols.Value[name];
    // The CONTAINERS build starts no process of its own: the process count and program length are placeholders.
    static Asm.AssembledProgram AssembleKernel() =>
        Kernel.AssembleKernel(1, Kernel.DefaultTimerPeriod, 1, (ulong)MemoryMB << 20, containers: true);

    /// <summary>The request ring's page (MBOX) and layout.</summary>
    public static ulong Mailbox => Layout("MBOX");
    static ulong RingOffset => Layout("MB_RING");
    static int Slots => (int)Layout("MB_SLOTS");
    static int RequestSize => (int)Layout("RQ_SIZE");
    /// <summary>Container c's console: a 16550 at <c>ConsoleBase + 8c</c> (CON_BASE).</summary>
    public static ushort ConsoleBase => (ushort)Layout("CON_BASE");
    /// <summary>Containers one shared kernel holds over its life (ids 1 to MAXCTR - 1: entry 0 is the host's).</summary>
    public static int MaxContainers => (int)Layout("MAXCTR") - 1;
    /// <summary>The top of the kernel's memory where programs are staged (from STAGE_BASE up).</summary>
    public static ulong StageSize => ((ulong)MemoryMB << 20) - Layout("STAGE_BASE");
    /// <summary>Longest container host name: a container's table entry ends with it (C_HOST), NUL-terminated.</summary>
    public static int MaxHostName => (int)(Layout("CTR_SIZE") - Layout("C_HOST")) - 1;
    /// <summary>Pages a container's first process holds besides its program: the data page, the 16 KiB stack and the
    /// four page tables (PML4, PDPT, PD, PT) that map them.</summary>
    public const int FixedPagesPerProcess = 1 + 4 + 4;

    /// <summary>Namespaces, as the kernel's NS_* bits.</summary>
    public static IReadOnlyDictionary<string, long> NamespaceBits { get; } =
        new Dictionary<string, long>(StringComparer.OrdinalIgnoreCase) { ["pid"] = 1, ["uts"] = 2, ["mount"] = 4, ["net"] = 8 };

    readonly List<Guest> _containers = [];
    readonly Dictionary<int, long> _startRequest = [];   // container id -> the sequence number of its start request
    ulong _nextStage;
    long _posted;

    internal ContainerHost(VHost host)
    {
        Host = host;
        var k = AssembleKernel();
        KernelGuest = Guest.CreateContainerKernel($"{host.Name}.kernel", k, host);
        _nextStage = ((ulong)MemoryMB << 20) - StageSize;
    }

    public VHost Host { get; }
    /// <summary>The shared kernel's machine, as a guest of the bare host (not in the lab's guest list: the host's own OS).</summary>
    public Guest KernelGuest { get; }
    /// <summary>The containers placed on this kernel, in the order they were made.</summary>
    public IReadOnlyList<Guest> Containers => _containers;
    /// <summary>Whether the kernel is idle: every container has exited and its CPU is halted until the next request.</summary>
    public bool Idle => KernelGuest.State == GuestState.Halted && KernelGuest.Machine.Cpu.Rip == Symbol("kernel_idle.halted");
    /// <summary>Whether the kernel stopped for good: halted anywhere but its idle loop (out of frames, a panic) or faulted.</summary>
    public bool Down => KernelGuest.State == GuestState.Faulted || (KernelGuest.State == GuestState.Halted && !Idle);
    /// <summary>Pages of host memory the shared kernel's machine holds (the kernel, its tables, every container's frames).</summary>
    public long PagesHeld => KernelGuest.Machine.Memory.ResidentBytes / 4096;

    /// <summary>The memory a program of <paramref name="length"/> bytes needs at least, in pages: the floor of -MemoryLimitMB.</summary>
    public static long MinimumPages(int length) => (length + 4095) / 4096 + FixedPagesPerProcess;

    /// <summary>Checks what a container's options can be checked for without a program; throws the first problem's error.</summary>
    internal void CheckRoom(GuestSpec spec)
    {
        if (_containers.Count >= MaxContainers)
            throw new VirtPSException(ErrorIds.TooManyContainers, ErrorKind.LimitsExceeded,
                $"Host '{Host.Name}' already has {MaxContainers} containers, as many as its shared kernel holds.", spec.Name);
    }

    /// <summary>Makes a container from <paramref name="spec"/> (validated), with <paramref name="program"/> as its first
    /// process's code: everything checked first, then the program staged and the request posted.</summary>
    internal Guest Create(GuestSpec spec, byte[] program, ulong entry, Workload? workload, long iterations)
    {
        ulong pages = (ulong)((program.Length + 4095) / 4096);
        ulong top = (ulong)MemoryMB << 20;
        if (_nextStage + pages * 4096 > top)
            throw new VirtPSException(ErrorIds.ProgramTooLarge, ErrorKind.LimitsExceeded,
                $"Host '{Host.Name}' has no staging room left for a {program.Length}-byte program ({StageSize >> 20} MiB in all).", spec.Name);
        long limitPages = spec.MemoryLimitMB is { } mb ? LimitPages(mb) : 0;   // at least MinimumPages: CreateOn checked
        long ns = 0;
        foreach (var n in spec.Namespaces ?? NamespaceBits.Keys) ns |= NamespaceBits[n];

        int id = _containers.Count + 1;
        CheckRingRoom(spec.Name);
        var mem = KernelGuest.Machine.Memory;
        ulong stage = _nextStage;
        mem.Write(stage, program);
        _nextStage += pages * 4096;
        var rq = new byte[RequestSize];
        void Put(string field, ulong v) => BinaryPrimitives.WriteUInt64LittleEndian(rq.AsSpan((int)Layout(field)), v);
        Put("RQ_CID", (ulong)id);
        Put("RQ_IMAGE", stage);
        Put("RQ_LEN", (ulong)program.Length);
        Put("RQ_ENTRY", entry);
        Put("RQ_QUOTA", (ulong)Math.Round((spec.CpuQuota ?? 1.0) * 1000));
        Put("RQ_LIMIT", (ulong)limitPages);
        Put("RQ_NS", (ulong)ns);
        Put("RQ_OP", Layout("RQ_START"));
        var hostName = spec.HostName ?? spec.Name;
        Encoding.ASCII.GetBytes(hostName[..Math.Min(hostName.Length, MaxHostName)]).CopyTo(rq.AsSpan((int)Layout("RQ_HOST")));
        var console = new Io.Uart16550((ushort)(ConsoleBase + 8 * id));
        KernelGuest.Machine.Cpu.Ports.Map((ushort)(ConsoleBase + 8 * id), 8, console);
        var g = Guest.CreateContainer(spec, KernelGuest, this, id, console, workload, iterations);
        _containers.Add(g);
        _startRequest[id] = _posted;
        Post(rq);
        return g;
    }

    void CheckRingRoom(string target)
    {
        if (_posted - (long)Read(Mailbox + Layout("MB_TAIL")) >= Slots)
            throw new VirtPSException(ErrorIds.TooManyContainers, ErrorKind.LimitsExceeded,
                $"Host '{Host.Name}''s kernel has {Slots} requests it has not taken yet; run the host (Invoke-VStep -VHost) first.", target);
    }

    /// <summary>Writes a request into the ring's next slot, publishes it (MB_HEAD) and rings the doorbell.</summary>
    void Post(byte[] rq)
    {
        var mem = KernelGuest.Machine.Memory;
        mem.Write(Mailbox + RingOffset + (ulong)(_posted % Slots * RequestSize), rq);
        _posted++;
        mem.Write(Mailbox + Layout("MB_HEAD"), BitConverter.GetBytes((ulong)_posted));
        if (Idle) KernelGuest.Wake();
    }

    /// <summary>Asks the kernel to end every process of <paramref name="container"/> (it is being removed): a stop request,
    /// taken at the kernel's next tick or at once when it is idle.</summary>
    internal void Stop(Guest container)
    {
        CheckRingRoom(container.Name);
        var rq = new byte[RequestSize];
        BinaryPrimitives.WriteUInt64LittleEndian(rq.AsSpan((int)Layout("RQ_CID")), (ulong)container.ContainerId);
        BinaryPrimitives.WriteUInt64LittleEndian(rq.AsSpan((int)Layout("RQ_OP")), Layout("RQ_STOP"));
        Post(rq);
    }

    ulong Symbol(string name) => KernelGuest.KernelSymbols![name];
    ulong Read(ulong at) => BinaryPrimitives.ReadUInt64LittleEndian(KernelGuest.Machine.Memory.Read(at, 8));
    ulong Table(int id) => Symbol("ctrs") + (ulong)id * Layout("CTR_SIZE");

    /// <summary>Whether the kernel has taken container <paramref name="id"/>'s request.</summary>
    internal bool Taken(int id) => (long)Read(Mailbox + Layout("MB_TAIL")) > _startRequest[id];

    /// <summary>Whether container <paramref name="id"/> was started and none of its processes can run any more.</summary>
    internal bool Exited(int id) => Taken(id) && !Processes().Any(p => p.ContainerId == id && p.State == "Runnable");

    /// <summary>User instructions container <paramref name="id"/> has retired, as the kernel charged them (IA32_PMC0).</summary>
    public long UserInstructions(int id) => (long)Read(Table(id) + Layout("C_USED"));
    /// <summary>Pages charged to container <paramref name="id"/> (its memory cgroup's usage).</summary>
    public long PagesCharged(int id) => (long)Read(Table(id) + Layout("C_FRAMES"));
    /// <summary>Processes of container <paramref name="id"/> the kernel killed at its memory limit.</summary>
    public long OomKills(int id) => (long)Read(Table(id) + Layout("C_OOM"));

    /// <summary>The shared kernel's processes, read from its process table: global pid, container, namespace pid, state.</summary>
    public IReadOnlyList<ContainerProcess> Processes()
    {
        var list = new List<ContainerProcess>();
        if (KernelGuest.KernelSymbols is null) return list;
        ulong procs = Symbol("procs"), pctr = Symbol("pctr"), pgpid = Symbol("pgpid"), ctrs = Symbol("ctrs");
        ulong procSize = Layout("PROC_SIZE"), ctrSize = Layout("CTR_SIZE"), pState = Layout("P_STATE"), pPid = Layout("P_PID");
        for (int slot = 0; slot < Kernel.MaxProcesses; slot++)
        {
            ulong entry = procs + (ulong)slot * procSize;
            ulong state = Read(entry + pState);
            if (state == 0) continue;
            int id = (int)((Read(pctr + (ulong)slot * 8) - ctrs) / ctrSize);
            var name = id >= 1 && id <= _containers.Count ? _containers[id - 1].Name : "";
            list.Add(new ContainerProcess(Host.Name, (long)Read(pgpid + (ulong)slot * 8), name, id, (long)Read(entry + pPid),
                state == 1 ? "Runnable" : "Exited", slot));
        }
        return list.OrderBy(p => p.HostPid).ToList();
    }

    /// <summary>Runs the shared kernel (every container on it) until <paramref name="container"/> has exited or
    /// <paramref name="maxInstructions"/> retire; the result is the kernel's machine's, as the container's run.</summary>
    internal StepResult Step(Guest container, int id, long? maxInstructions, CancellationToken cancel, Action<long>? progress)
    {
        const long Slice = 100_000;
        long budget = maxInstructions ?? long.MaxValue, retired = 0, cycles = 0;
        double seconds = 0;
        var reason = StopReason.InstructionLimit;
        Cpu.GuestException? exception = null;
        while (retired < budget)
        {
            if (Exited(id)) { reason = StopReason.Halt; break; }
            if (Down) { reason = KernelGuest.State == GuestState.Faulted ? StopReason.Exception : StopReason.Halt; exception = KernelGuest.LastException; break; }
            if (Idle) { reason = StopReason.Halt; break; }   // idle with its request untaken cannot happen: the doorbell woke it
            var r = KernelGuest.Step(Math.Min(Slice, budget - retired), cancel);
            retired += r.Instructions; cycles += r.Cycles; seconds += r.HostSeconds;
            progress?.Invoke(retired);
            if (r.StopReason is StopReason.Exception or StopReason.TripleFault) { reason = r.StopReason; exception = r.Exception; break; }
            if (r.StopReason == StopReason.Cancelled) { reason = StopReason.Cancelled; break; }
        }
        if (reason == StopReason.InstructionLimit && Exited(id)) reason = StopReason.Halt;
        foreach (var c in _containers) c.SettleContainerState();
        return container.RecordContainerStep(retired, cycles, reason, seconds, exception);
    }

    /// <summary>The state a container's guest shows: Faulted with its kernel, Halted once it exited, else Ready.</summary>
    internal GuestState StateOf(int id) =>
        Down ? GuestState.Faulted : Exited(id) ? GuestState.Halted : GuestState.Ready;

    /// <summary>
    /// Makes the container <paramref name="spec"/> describes on <paramref name="host"/>, making the host's shared kernel
    /// with its first container. Everything is checked before anything is made: the spec, room on the host's kernel, the
    /// program and its fit under the memory limit. (The caller, <see cref="Lab.Create"/>, has checked the host's kernel
    /// build: <see cref="CheckKernelBuild"/>.)
    /// </summary>
    internal static Guest CreateOn(VHost host, GuestSpec spec)
    {
        spec.Validate();
        host.ContainerKernel?.CheckRoom(spec);
        byte[] program;
        ulong entry = Kernel.UserCodeAddress;
        Workload? workload = null;
        long iterations = 0;
        if (spec.Kind == GuestImageKind.Workload)
        {
            (workload, iterations) = Guest.ResolveWorkload(spec);
            program = Kernel.AssembleWorkload(workload, iterations).Bytes;
        }
        else
        {
            program = spec.Image;
            if ((spec.Origin ?? Kernel.UserCodeAddress) != Kernel.UserCodeAddress)
                throw new VirtPSException(ErrorIds.ProgramOriginNotUserBase, ErrorKind.InvalidArgument,
                    $"The program is linked at 0x{spec.Origin:X}, but the shared kernel runs user programs at 0x{Kernel.UserCodeAddress:X} and cannot relocate them.", spec.Origin);
            entry = spec.EntryPoint ?? Kernel.UserCodeAddress;
            if (entry < Kernel.UserCodeAddress || entry >= Kernel.UserCodeAddress + (ulong)program.Length)
                throw new VirtPSException(ErrorIds.InvalidEntryPoint, ErrorKind.InvalidArgument,
                    $"Entry point 0x{entry:X} is outside the user program.", entry);
        }
        if (program.Length == 0 || program.Length > Kernel.MaxUserProgram)
            throw new VirtPSException(ErrorIds.ProgramTooLarge, ErrorKind.LimitsExceeded,
                $"The user program must be 1 to {Kernel.MaxUserProgram} bytes; got {program.Length}.", program.Length);
        if (spec.MemoryLimitMB is { } mb && LimitPages(mb) < MinimumPages(program.Length))
            throw new VirtPSException(ErrorIds.MemoryLimitTooSmall, ErrorKind.InvalidArgument,
                $"A memory limit of {mb} MB ({LimitPages(mb)} pages) is below what the program needs to start: {MinimumPages(program.Length)} pages ({program.Length} bytes of code, a data page, a 16 KiB stack and 4 page tables).", mb);
        bool first = host.ContainerKernel is null;
        host.ContainerKernel ??= new ContainerHost(host);
        var container = host.ContainerKernel.Create(spec, program, entry, workload, iterations);
        // One machine, one engine: the first container's (or the default) starts the shared kernel with it; a later one
        // that names an engine switches the kernel, every container on it included (both engines leave the same state).
        if (first || spec.Engine is not null) host.ContainerKernel.KernelGuest.Machine.Engine = spec.EffectiveEngine!.Value;   // a container is never on KVM
        return container;
    }

    /// <summary>A memory limit of <paramref name="mb"/> MB in whole 4 KiB pages (what the kernel's cgroup counts).</summary>
    static long LimitPages(double mb) => (long)Math.Floor(mb * 256);

    /// <summary>A host runs one kernel build for its guests' kernels to share or not: containers need the bare-machine
    /// CONTAINERS build, which cannot sit beside guests of the PARAVIRT build (their host runs Xen, not a container
    /// kernel). ContainerKernelMismatch when <paramref name="style"/> would mix the two on <paramref name="host"/>.</summary>
    internal static void CheckKernelBuild(VHost host, VirtualizationStyle style)
    {
        if (style == VirtualizationStyle.Container && host.Guests.FirstOrDefault(g => g.Style == VirtualizationStyle.Paravirtual) is { } pv)
            throw new VirtPSException(ErrorIds.ContainerKernelMismatch, ErrorKind.InvalidOperation,
                $"Host '{host.Name}' runs Xen with the built-in kernel's PARAVIRT build (guest '{pv.Name}'); containers need its shared CONTAINERS build on the bare machine. Use another host (New-VHost).", host.Name);
        if (style == VirtualizationStyle.Paravirtual && host.ContainerKernel is not null)
            throw new VirtPSException(ErrorIds.ContainerKernelMismatch, ErrorKind.InvalidOperation,
                $"Host '{host.Name}' runs a shared container kernel (the CONTAINERS build) on its bare machine; a Paravirtual guest needs Xen and its PARAVIRT build. Use another host (New-VHost).", host.Name);
    }
}
