using System.Management.Automation;
using VirtPS.Engine.Guests;

namespace VirtPS.Commands;

/// <summary>
/// The targets Get-VTlb and Clear-VTlb share: guests (each with its own translation caches) or a host, whose physical
/// CPUs own the caches its co-scheduled guests share.
/// </summary>
public abstract class TlbCommandBase : PSCmdlet
{
    protected const string GuestSet = "Guest";
    protected const string HostSet = "Host";

    /// <summary>Guests whose own TLB, paging-structure caches and nested TLB to use: guest objects (usually piped),
    /// names or wildcard patterns, one guest after another. A name that matches no guest fails parameter binding
    /// with a GuestNotFound error inside.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = GuestSet)]
    [GuestTransformation]
    [ArgumentCompleter(typeof(GuestNameCompleter))]
    [SupportsWildcards]
    [AllowEmptyCollection]
    [ValidateNotNull]
    public Guest[] Guest { get; set; } = [];

    /// <summary>Hosts whose physical CPUs' caches to use instead (host objects, names or wildcard patterns; -Host
    /// is an alias): the ones the host's co-scheduled guests share, one CPU after another. Each entry's Vpid tells
    /// whose it is, and its Guest names the CPU (host/cpuN). A name that matches no host fails parameter binding
    /// with a HostNotFound error inside.</summary>
    [Parameter(Mandatory = true, ParameterSetName = HostSet)]
    [Alias("Host")]
    [HostTransformation]
    [ArgumentCompleter(typeof(HostNameCompleter))]
    [SupportsWildcards]
    [AllowEmptyCollection]
    [ValidateNotNull]
    public VHost[] VHost { get; set; } = [];

    /// <summary>The physical CPUs of the -VHost hosts, host by host.</summary>
    protected IEnumerable<PhysicalCpu> HostCpus() => VHost.SelectMany(h => h.Cpus);
}
