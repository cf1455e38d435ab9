using System.Text.Json;
using System.Text.Json.Serialization;

namespace VirtPS.Engine.Labs;

/// <summary>
/// A lab on disk (about_VirtPS_LabFormat; schema: VirtPS.Lab.schema.json): hosts, networks, guests with their devices and
/// adapters, static routes and port forwards. It holds what a lab is made of, not what its guests have done so far (that
/// is a checkpoint's business): importing it builds the same lab, ready to run. Versioned: a reader refuses a version it
/// does not know rather than guess.
/// </summary>
public sealed record LabDocument
{
    /// <summary>The value of <see cref="Format"/> in every lab file.</summary>
    public const string FormatName = "VirtPS.Lab";
    /// <summary>The version this build writes and reads.</summary>
    public const int CurrentVersion = 1;

    [JsonPropertyName("$schema")] public string? Schema { get; init; }
    public required string Format { get; init; }
    public required int Version { get; init; }
    public List<HostEntry> Hosts { get; init; } = [];
    public List<NetworkEntry> Networks { get; init; } = [];
    public List<GuestEntry> Guests { get; init; } = [];
    /// <summary>Every adapter, in the order it was connected (DHCP hands out addresses in that order): the network engine's own
    /// (Connect-VNetworkAdapter without -Mode) and NICs in guests' machines (with -Mode: <see cref="AdapterEntry.Mode"/> set).</summary>
    public List<AdapterEntry> Adapters { get; init; } = [];
    public List<RouteEntry> Routes { get; init; } = [];
    public List<PortForwardEntry> PortForwards { get; init; } = [];

    /// <summary>A host: the default host's entry changes the default host, any other makes one.</summary>
    public sealed record HostEntry
    {
        public required string Name { get; init; }
        public HypervisorType Type { get; init; } = HypervisorType.Type1;
        public int PhysicalCpus { get; init; } = 1;
        public required CostModelEntry CostModel { get; init; }
        public TlbTagging TlbTagging { get; init; } = TlbTagging.Vpid;
        public long Quantum { get; init; } = VirtPS.Engine.Guests.VHost.DefaultQuantum;
        /// <summary>Null: the host type's own (Autonomous for Type1, Hosted for Type2).</summary>
        public IoModel? IoModel { get; init; }
        public TlbGeometryEntry? TlbConfiguration { get; init; }
    }

    /// <summary>A cost model, whole: its name, description and every event's price and source (the profile format).</summary>
    public sealed record CostModelEntry
    {
        public required string Name { get; init; }
        public string Description { get; init; } = "";
        public required Dictionary<string, CostEntryValue> Costs { get; init; }
    }

    public sealed record CostEntryValue(double Cycles, string Source);

    /// <summary>A TLB's geometry: entries and ways of each level.</summary>
    public sealed record TlbGeometryEntry(int[] InstructionSmall, int[] InstructionLarge, int[] DataSmall, int[] DataLarge, int[] SecondLevel);

    public sealed record NetworkEntry
    {
        public required string Name { get; init; }
        public required Network.NetworkMode Mode { get; init; }
        public string? Subnet { get; init; }
    }

    /// <summary>A guest: its specification (as New-VGuest makes it), its translation-hardware settings, devices and adapters.</summary>
    public sealed record GuestEntry
    {
        public required string Name { get; init; }
        public string? Host { get; init; }
        public VirtualizationStyle Style { get; init; } = VirtualizationStyle.Native;
        public MemoryVirtualization? Paging { get; init; }
        public ulong? EptPageSize { get; init; }
        public int? MemoryMB { get; init; }
        public VirtPS.Engine.Guests.GuestImageKind Kind { get; init; } = VirtPS.Engine.Guests.GuestImageKind.Bare;
        public string? Workload { get; init; }
        public long? Iterations { get; init; }
        public Dictionary<string, long>? WorkloadParameters { get; init; }
        /// <summary>A user program or bare image, base64.</summary>
        public byte[]? Image { get; init; }
        public ulong? Origin { get; init; }
        public ulong? EntryPoint { get; init; }
        public string? CommandLine { get; init; }
        public int? Processes { get; init; }
        public long? TimerPeriod { get; init; }
        public bool Pcid { get; init; } = true;
        public Kvm.ExecutionBackend Backend { get; init; } = Kvm.ExecutionBackend.Simulator;
        /// <summary>How the simulator runs the guest's code (Interpreter or Translator); null (older files, KVM guests): the
        /// style's default.</summary>
        public Cpu.ExecutionEngine? Engine { get; init; }
        /// <summary>An Application guest's class files (where each came from, and its bytes as base64), main class and JIT threshold.</summary>
        public List<ClassFileEntry>? ClassFiles { get; init; }
        public string? MainClass { get; init; }
        public long? JitThreshold { get; init; }
        /// <summary>A container's host name, CPU quota, memory limit and namespaces of its own.</summary>
        public string? HostName { get; init; }
        public double? CpuQuota { get; init; }
        public double? MemoryLimitMB { get; init; }
        public List<string>? Namespaces { get; init; }
        /// <summary>The guest's own cost model; null: its host's.</summary>
        public CostModelEntry? CostModel { get; init; }
        public bool WalkCaches { get; init; } = true;
        public bool NestedTlb { get; init; } = true;
        public TlbGeometryEntry? TlbConfiguration { get; init; }
        /// <summary>HardwareAssisted: the VM-execution controls (Intel SDM names), as Set-VGuest left them.</summary>
        public string? VmExecutionControls { get; init; }
        public List<DiskEntry> Disks { get; init; } = [];
    }

    public sealed record ClassFileEntry(string Source, byte[] Bytes);

    public sealed record DiskEntry
    {
        public required string Name { get; init; }
        /// <summary>The raw image file; created (sparse) with <see cref="SizeMB"/> if it does not exist.</summary>
        public required string Path { get; init; }
        public long? SizeMB { get; init; }
        public required Io.IoMode Mode { get; init; }
        public bool EventIdx { get; init; } = true;
    }

    /// <summary>An adapter: the network engine's (no <see cref="Mode"/>), or a NIC in the guest's machine named
    /// <see cref="Nic"/> and driven by its kernel in <see cref="Mode"/>.</summary>
    public sealed record AdapterEntry(string Guest, string Network, string? MacAddress, string? Nic = null, Io.IoMode? Mode = null);

    public sealed record RouteEntry(string Node, string Destination, string Gateway);

    public sealed record PortForwardEntry(string Network, Network.Frames.IpProtocol Protocol, ushort HostPort, string Guest, ushort GuestPort);
}
