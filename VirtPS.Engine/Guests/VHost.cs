using VirtPS.Engine.Costs;

namespace VirtPS.Engine.Guests;

/// <summary>
/// The physical machine guests run on: its hypervisor type, its physical CPUs and the cost model that
/// prices what its guests do. A lab always has one named <see cref="Lab.DefaultHostName"/>.
/// </summary>
public sealed class VHost
{
    public const int MaxPhysicalCpus = 1024;
    readonly Lab _lab;

    internal VHost(Lab lab, string name, HypervisorType type, int physicalCpus, CostModel costModel)
    { _lab = lab; Name = name; Type = type; PhysicalCpus = physicalCpus; CostModel = costModel; }

    public string Name { get; }
    public HypervisorType Type { get; private set; }
    public int PhysicalCpus { get; private set; }
    public CostModel CostModel { get; private set; }
    /// <summary>Whether TLB entries carry a per-guest tag (VPID), so guests' translations survive VM entries,
    /// exits and switches between guests. Processors since Nehalem (2008) have it.</summary>
    public TlbTagging TlbTagging { get; private set; } = TlbTagging.Vpid;
    /// <summary>Guest instructions a vCPU runs before the host may give its physical CPU to another guest.</summary>
    public long Quantum { get; private set; } = DefaultQuantum;
    /// <summary>The sizes of each physical CPU's TLB (a Skylake core's by default).</summary>
    public Memory.TlbConfiguration TlbConfiguration { get; private set; } = Memory.TlbConfiguration.Skylake;
    /// <summary>Where device backends run (the driver model): set by <see cref="Update"/>, else Hosted for a Type 2 host and
    /// Autonomous for a Type 1.</summary>
    public IoModel IoModel => _ioModel ?? (Type == HypervisorType.Type2 ? IoModel.Hosted : IoModel.Autonomous);
    /// <summary>The IO model set for this host, or null while it follows its type (what a lab file keeps).</summary>
    public IoModel? ExplicitIoModel { get => _ioModel; internal set => _ioModel = value; }
    IoModel? _ioModel;
    /// <summary>The service domain (Dom0) holding the device backends when <see cref="IoModel"/> is Hybrid; null otherwise.</summary>
    public ServiceDomain? ServiceDomain => IoModel == IoModel.Hybrid ? new ServiceDomain(this) : null;
    public const long DefaultQuantum = 50_000;
    public const long MaxQuantum = 1L << 32;
    /// <summary>The host's shared kernel for containers, made with its first container; null until then.</summary>
    public ContainerHost? ContainerKernel { get; internal set; }
    /// <summary>The guests placed on this host, in the order they were added to the lab.</summary>
    public IReadOnlyList<Guest> Guests => _lab.Guests.Where(g => ReferenceEquals(g.Host, this)).ToList();
    public bool IsDefault => string.Equals(Name, Lab.DefaultHostName, StringComparison.OrdinalIgnoreCase);

    ushort _nextVpid = 1;   // VPID 0 is the host's own (Intel SDM Vol. 3C, 28.1)

    /// <summary>
    /// The VPID for a guest placed on this host: each its own for the host's life, never handed out again, so entries a
    /// removed or differently ordered guest left in a physical CPU's TLB can never serve another. Once all 65,535 are
    /// given, 0: the guest runs untagged, as KVM runs a vCPU when its VPID bitmap is full.
    /// </summary>
    internal ushort AssignVpid() => _nextVpid == 0 ? (ushort)0 : _nextVpid++;

    /// <summary>Changes what is given, after checking all of it, so a bad value changes nothing.</summary>
    public void Update(HypervisorType? type = null, int? physicalCpus = null, CostModel? costModel = null,
        TlbTagging? tlbTagging = null, long? quantum = null, Memory.TlbConfiguration? tlbConfiguration = null, IoModel? ioModel = null)
    {
        if (ioModel is { } im && !Enum.IsDefined(im))
            throw new VirtPSException(ErrorIds.InvalidIoModel, ErrorKind.InvalidArgument, $"IO model '{im}' is not Autonomous, Hybrid or Hosted.", im);
        tlbConfiguration?.Validate();
        if (type is { } t) ValidateType(t);
        if (physicalCpus is { } n) ValidatePhysicalCpus(n);
        if (tlbTagging is { } tt && !Enum.IsDefined(tt))
            throw new VirtPSException(ErrorIds.InvalidTlbTagging, ErrorKind.InvalidArgument, $"TLB tagging '{tt}' is not None or Vpid.", tt);
        if (quantum is { } q && (q < 1 || q > MaxQuantum))
            throw new VirtPSException(ErrorIds.InvalidQuantum, ErrorKind.InvalidArgument, $"Quantum must be 1 to {MaxQuantum} guest instructions; got {q}.", q);
        if (type is { } t2) Type = t2;
        if (physicalCpus is { } n2) PhysicalCpus = n2;
        if (costModel is not null) CostModel = costModel;
        if (tlbTagging is { } tt2) TlbTagging = tt2;
        if (quantum is { } q2) Quantum = q2;
        if (ioModel is { } im2) _ioModel = im2;
        if (tlbConfiguration is not null)
        {
            TlbConfiguration = tlbConfiguration;
            foreach (var cpu in _cpus) cpu.Caches.Reconfigure(tlbConfiguration);   // the CPUs' TLBs start empty
        }
    }

    internal static void ValidateType(HypervisorType type)
    {
        if (!Enum.IsDefined(type))
            throw new VirtPSException(ErrorIds.InvalidHypervisorType, ErrorKind.InvalidArgument, $"Hypervisor type '{type}' is not Type1 or Type2.", type);
    }

    internal static void ValidatePhysicalCpus(int n)
    {
        if (n < 1 || n > MaxPhysicalCpus)
            throw new VirtPSException(ErrorIds.InvalidPhysicalCpus, ErrorKind.InvalidArgument,
                $"PhysicalCpus must be between 1 and {MaxPhysicalCpus}; got {n}.", n);
    }

    readonly List<PhysicalCpu> _cpus = [];

    /// <summary>The host's physical CPUs as the scheduler has used them so far (each keeps its TLB and who ran last).</summary>
    public IReadOnlyList<PhysicalCpu> Cpus => _cpus;

    /// <summary>Physical CPU <paramref name="index"/>, made on first use with a Skylake-sized TLB.</summary>
    internal PhysicalCpu Cpu(int index)
    {
        while (_cpus.Count <= index) _cpus.Add(new PhysicalCpu(this, _cpus.Count));
        return _cpus[index];
    }

    /// <summary>A guest left the lab: no CPU keeps it as the one that ran last, and no CPU's caches keep reporting to its
    /// processor (unless <paramref name="processorInUse"/>: a container's processor is its host kernel's), so nothing the
    /// host holds keeps the guest alive. Its TLB entries stay (VPIDs are never reused), as they would on hardware.</summary>
    internal void Release(Guest guest, bool processorInUse)
    {
        foreach (var cpu in _cpus)
        {
            if (ReferenceEquals(cpu.Current, guest)) cpu.Current = null;
            if (!processorInUse) cpu.Caches.Release(guest.Machine.Cpu);
        }
    }

    /// <summary>The host named <paramref name="name"/> (compared without case) among <paramref name="hosts"/>, or null.</summary>
    public static VHost? Find(IEnumerable<VHost> hosts, string name) =>
        hosts.FirstOrDefault(h => string.Equals(h.Name, name, StringComparison.OrdinalIgnoreCase));

    public override string ToString() => Name;
}
