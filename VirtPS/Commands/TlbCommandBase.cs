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

    /// <summary>Guests, as objects or names.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = GuestSet)]
    [GuestTransformation]
    [ArgumentCompleter(typeof(GuestNameCompleter))]
    [ValidateNotNull]
    public Guest[] Guest { get; set; } = [];

    /// <summary>A host (a name or a host object): its physical CPUs' caches, the ones its guests were co-scheduled on.</summary>
    [Parameter(Mandatory = true, ParameterSetName = HostSet)]
    [Alias("Host")]
    [ArgumentCompleter(typeof(HostNameCompleter))]
    [ValidateNotNull]
    public object? VHost { get; set; }

    /// <summary>The host's physical CPUs; for a host that does not exist, the error is written and there are none.</summary>
    protected IReadOnlyList<PhysicalCpu> HostCpus()
    {
        if (HostLookup.Resolve(VHost) is { } host) return host.Cpus;
        WriteError(HostLookup.NotFound(VHost?.ToString() ?? ""));
        return [];
    }
}
