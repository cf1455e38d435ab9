using System.Management.Automation;
using VirtPS.Engine.Memory;

namespace VirtPS.Commands;

/// <summary>
/// The TLB-geometry parameters Set-VGuest and Set-VHost share: the second-level TLB's and the L1 DTLB's entries and
/// ways. Only the bound ones change; the result is validated (whole sets) before the caller applies it.
/// </summary>
public abstract class TlbGeometryCommandBase : PSCmdlet
{
    /// <summary>Entries of the second-level TLB (1536 on a new guest or host, a Skylake core's): the guest's own,
    /// or each of the host's physical CPUs'. With the ways it must divide into whole sets, else InvalidTlbGeometry
    /// naming the value; a host's CPUs' TLBs start empty after a change.</summary>
    [Parameter]
    [PSDefaultValue(Help = "unchanged (1536 on a new guest or host)")]
    public int StlbEntries { get; set; }

    /// <summary>Ways (associativity) of the second-level TLB (12 on a new guest or host).</summary>
    [Parameter]
    [PSDefaultValue(Help = "unchanged (12 on a new guest or host)")]
    public int StlbWays { get; set; }

    /// <summary>Entries of the L1 DTLB for 4 KiB pages (64 on a new guest or host).</summary>
    [Parameter]
    [PSDefaultValue(Help = "unchanged (64 on a new guest or host)")]
    public int DtlbEntries { get; set; }

    /// <summary>Ways of the L1 DTLB for 4 KiB pages (4 on a new guest or host).</summary>
    [Parameter]
    [PSDefaultValue(Help = "unchanged (4 on a new guest or host)")]
    public int DtlbWays { get; set; }

    /// <summary>True if any geometry parameter was given.</summary>
    protected bool GeometryBound => Bound(nameof(StlbEntries)) || Bound(nameof(StlbWays)) || Bound(nameof(DtlbEntries)) || Bound(nameof(DtlbWays));

    /// <summary><paramref name="current"/> with the given parameters applied, or null if none was given; a geometry
    /// that does not divide into sets throws, naming the value.</summary>
    protected TlbConfiguration? Geometry(TlbConfiguration current) => GeometryBound
        ? current.With(Value(nameof(StlbEntries), StlbEntries), Value(nameof(StlbWays), StlbWays),
            Value(nameof(DtlbEntries), DtlbEntries), Value(nameof(DtlbWays), DtlbWays))
        : null;

    protected bool Bound(string name) => MyInvocation.BoundParameters.ContainsKey(name);

    int? Value(string name, int value) => Bound(name) ? value : null;
}
