using VirtPS.Engine.Cpu;

namespace VirtPS.Engine.Kvm;

/// <summary>
/// The CPUID a KVM guest sees: the simulator's own leaves (<c>CpuidLeaves</c>: vendor "VirtPSVirtPS", family 6
/// model 0x55, the architectural PMU leaf 0AH, ...), every leaf 0 to 0AH and 80000000H to 80000008H installed
/// with KVM_SET_CPUID2 so no leaf falls through to the host's. KVM answers CPUID from this table without an exit.
/// <para>
/// A feature bit is withheld only where KVM itself enforces it and KVM_GET_SUPPORTED_CPUID says it cannot give
/// it: then the guest would be told of a feature its processor refuses (CR4.PCIDE would #GP, a 1-GiB page would
/// fault as reserved). Bits KVM does not enforce (POPCNT, LZCNT: the host executes them anyway) and features
/// VirtPS serves itself in userspace (the x2APIC and the PMU MSRs, IA32_PERF_CAPABILITIES for PDCM) stay as
/// the simulator reports them.
/// </para>
/// </summary>
public sealed class KvmCpuid
{
    /// <summary>The bits KVM enforces, by leaf and register: what each gates.</summary>
    static readonly (string Name, uint Function, char Register, int Bit, string Gates)[] Enforced =
    [
        ("PCID", 1, 'C', 17, "CR4.PCIDE"),
        ("SYSCALL", 0x8000_0001, 'D', 11, "EFER.SCE"),
        ("NX", 0x8000_0001, 'D', 20, "EFER.NXE"),
        ("Page1GB", 0x8000_0001, 'D', 26, "1-GiB pages (PDPTE.PS)"),
        ("RDTSCP", 0x8000_0001, 'D', 27, "RDTSCP and IA32_TSC_AUX"),
        ("LM", 0x8000_0001, 'D', 29, "EFER.LME"),
    ];

    KvmCpuid(IReadOnlyList<CpuidLeaf> leaves, IReadOnlyList<WithheldFeature> withheld) { Leaves = leaves; Withheld = withheld; }

    /// <summary>The leaves installed, in function order.</summary>
    public IReadOnlyList<CpuidLeaf> Leaves { get; }
    /// <summary>Features the simulator reports and this KVM cannot give (empty on a host that has them all).</summary>
    public IReadOnlyList<WithheldFeature> Withheld { get; }
    /// <summary>True if CPUID.1:ECX[17] (PCID) is installed: the kernel will turn on CR4.PCIDE.</summary>
    public bool Pcid => (Leaf(1).Ecx & (1u << 17)) != 0;
    /// <summary>The vendor string leaf 0 returns (EBX, EDX, ECX).</summary>
    public string Vendor
    {
        get
        {
            var l = Leaf(0);
            return string.Concat(new[] { l.Ebx, l.Edx, l.Ecx }.Select(r => System.Text.Encoding.ASCII.GetString(BitConverter.GetBytes(r))));
        }
    }

    public CpuidLeaf Leaf(uint function) => Leaves.FirstOrDefault(l => l.Function == function);

    /// <summary>The simulator's leaves for a processor with or without PCID, less what <paramref name="supported"/>
    /// (KVM_GET_SUPPORTED_CPUID) lacks of the enforced bits.</summary>
    internal static KvmCpuid Build(bool pcid, IReadOnlyList<CpuidLeaf> supported)
    {
        var leaves = new List<CpuidLeaf>();
        uint maxBasic = CpuidLeaves.Query(0, 0).Item1, maxExtended = CpuidLeaves.Query(0x8000_0000, 0).Item1;
        for (uint f = 0; f <= maxBasic; f++) leaves.Add(Query(f, pcid));
        for (uint f = 0x8000_0000; f <= maxExtended; f++) leaves.Add(Query(f, pcid));
        var withheld = new List<WithheldFeature>();
        for (int k = 0; k < leaves.Count; k++)
        {
            var l = leaves[k];
            foreach (var e in Enforced.Where(e => e.Function == l.Function))
            {
                uint mask = 1u << e.Bit;
                if ((Register(l, e.Register) & mask) == 0) continue;
                var s = supported.FirstOrDefault(x => x.Function == e.Function);
                if ((Register(s, e.Register) & mask) != 0) continue;
                l = e.Register == 'C' ? l with { Ecx = l.Ecx & ~mask } : l with { Edx = l.Edx & ~mask };
                withheld.Add(new WithheldFeature(e.Name, e.Function, e.Register, e.Bit,
                    $"KVM_GET_SUPPORTED_CPUID lacks CPUID.{e.Function:X}H:E{e.Register}X[{e.Bit}], and KVM enforces {e.Gates}"));
            }
            leaves[k] = l;
        }
        return new KvmCpuid(leaves, withheld);
    }

    static CpuidLeaf Query(uint function, bool pcid)
    {
        var (a, b, c, d) = CpuidLeaves.Query(function, 0);
        if (function == 1 && !pcid) c &= ~(1u << 17);   // as Semantics.Cpuid answers for a processor without PCIDs
        return new CpuidLeaf(function, a, b, c, d);
    }

    static uint Register(CpuidLeaf l, char r) => r switch { 'A' => l.Eax, 'B' => l.Ebx, 'C' => l.Ecx, _ => l.Edx };
}
