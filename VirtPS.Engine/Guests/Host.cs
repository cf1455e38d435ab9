using VirtPS.Engine.Costs;

namespace VirtPS.Engine.Guests;

/// <summary>Where the hypervisor runs, in Robert P. Goldberg's terms (1973).</summary>
public enum HypervisorType
{
    /// <summary>On the bare hardware (Xen, ESXi, Hyper-V).</summary>
    Type1,
    /// <summary>Hosted by an operating system, reached through world switches (VMware Workstation, VirtualBox).</summary>
    Type2,
}

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
    /// <summary>The guests placed on this host, in the order they were added to the lab.</summary>
    public IReadOnlyList<Guest> Guests => _lab.Guests.Where(g => ReferenceEquals(g.Host, this)).ToList();
    public bool IsDefault => string.Equals(Name, Lab.DefaultHostName, StringComparison.OrdinalIgnoreCase);

    /// <summary>Changes what is given, after checking all of it, so a bad value changes nothing.</summary>
    public void Update(HypervisorType? type = null, int? physicalCpus = null, CostModel? costModel = null)
    {
        if (type is { } t) ValidateType(t);
        if (physicalCpus is { } n) ValidatePhysicalCpus(n);
        if (type is { } t2) Type = t2;
        if (physicalCpus is { } n2) PhysicalCpus = n2;
        if (costModel is not null) CostModel = costModel;
    }

    internal static void ValidateType(HypervisorType type)
    {
        if (!Enum.IsDefined(type))
            throw new VirtPSException("InvalidHypervisorType", ErrorKind.InvalidArgument, $"Hypervisor type '{type}' is not Type1 or Type2.", type);
    }

    internal static void ValidatePhysicalCpus(int n)
    {
        if (n < 1 || n > MaxPhysicalCpus)
            throw new VirtPSException("InvalidPhysicalCpus", ErrorKind.InvalidArgument,
                $"PhysicalCpus must be between 1 and {MaxPhysicalCpus}; got {n}.", n);
    }

    public override string ToString() => Name;
}
