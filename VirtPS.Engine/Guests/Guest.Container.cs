using VirtPS.Engine.Asm;

namespace VirtPS.Engine.Guests;

public sealed partial class Guest
{
    /// <summary>For a container (<see cref="VirtualizationStyle.Container"/>): the shared kernel it runs on; else null.</summary>
    public ContainerHost? ContainerHost { get; private set; }
    /// <summary>For a container: its id in the shared kernel (1, 2, ...); else 0.</summary>
    public int ContainerId { get; private set; }
    Io.Uart16550? _containerConsole;
    /// <summary>Instructions to the first user instruction, where a comparison measured it; else 0.</summary>
    internal long StartupInstructions { get; set; }

    /// <summary>The console the guest writes: its serial console, or for a container the console its kernel writes
    /// the container's output to (its own, as a container's standard output is).</summary>
    public Io.Uart16550 Console => _containerConsole ?? Machine.Console;

    /// <summary>For a container: the user instructions it has retired, as its kernel's CPU cgroup counted them.</summary>
    public long? ContainerUserInstructions => ContainerHost?.UserInstructions(ContainerId);
    /// <summary>For a container: the pages its memory cgroup is charged.</summary>
    public long? ContainerPages => ContainerHost?.PagesCharged(ContainerId);

    /// <summary>A container: a view onto the shared kernel's machine and monitor, with a console of its own.</summary>
    Guest(string name, Guest kernel, ContainerHost host, int id, Io.Uart16550 console)
    {
        Name = name; Style = VirtualizationStyle.Container; MemoryMB = kernel.MemoryMB; Machine = kernel.Machine; _costs = null;
        Vmm = kernel.Vmm;
        ContainerHost = host; ContainerId = id; _containerConsole = console;
        KernelSymbols = kernel.KernelSymbols;
    }

    /// <summary>The shared kernel of <paramref name="host"/>: the CONTAINERS build, on the bare machine, not yet booted.</summary>
    internal static Guest CreateContainerKernel(string name, AssembledProgram kernel, VHost host)
    {
        var g = CreateCore(name, VirtualizationStyle.Native, ContainerHost.MemoryMB, kernel.Bytes, DefaultLoadAddress, kernel.EntryPoint, null);
        g.KernelSymbols = kernel.Symbols;
        g.Host = host;
        g.Spec = new GuestSpec { Name = name, Kind = GuestImageKind.UserProgram, MemoryMB = ContainerHost.MemoryMB };
        return g;
    }

    internal static Guest CreateContainer(GuestSpec spec, Guest kernel, ContainerHost host, int id, Io.Uart16550 console, Workload? workload, long iterations) =>
        new(spec.Name, kernel, host, id, console)
        {
            Spec = spec, Workload = workload, WorkloadIterations = iterations, WorkloadProcesses = workload is null ? 0 : 1,
        };

    /// <summary>A container gets an interface of its own on a network (a veth onto the switch: the network engine's stack
    /// answers for it) only with a net namespace of its own; without one it shares its host's network
    /// (ContainerSharesHostNetwork). Other guests always may.</summary>
    public void CheckOwnNetworkInterface()
    {
        if (ContainerHost is not null && Spec.Namespaces is { } ns && !ns.Contains("net", StringComparer.OrdinalIgnoreCase))
            throw new VirtPSException(ErrorIds.ContainerSharesHostNetwork, ErrorKind.InvalidOperation,
                $"Container '{Name}' has no net namespace of its own (-Namespace {string.Join(", ", ns)}): it shares its host's network and gets no interface of its own.", Name);
    }

    /// <summary>The host's doorbell: the kernel's CPU, halted in its idle loop, runs again to take a request.</summary>
    internal void Wake()
    {
        Machine.MirrorStop(false, null);
        State = GuestState.Ready;
    }

    internal void SettleContainerState() { if (ContainerHost is { } h) State = h.StateOf(ContainerId); }

    internal StepResult RecordContainerStep(long retired, long cycles, StopReason reason, double seconds, Cpu.GuestException? exception)
    {
        Instructions += retired;
        Cycles += cycles;
        HostSeconds += seconds;
        SettleContainerState();
        return new StepResult(this, retired, cycles, reason, seconds, exception);
    }
}
