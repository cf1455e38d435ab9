using System.Management.Automation;
using VirtPS.Engine.Guests;

namespace VirtPS.Commands;

/// <summary>Flushes a guest's TLB, its paging-structure caches (both walk dimensions) and its nested TLB — or those of
/// every physical CPU of a host — so the next translations walk cold. Statistics are kept.</summary>
[Cmdlet(VerbsCommon.Clear, "VTlb", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low, DefaultParameterSetName = "Guest")]
[OutputType(typeof(Guest))]
public sealed class ClearVTlbCommand : PSCmdlet
{
    /// <summary>Guests whose translation caches to flush, as objects or names.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = "Guest")]
    [GuestTransformation]
    [ArgumentCompleter(typeof(GuestNameCompleter))]
    [ValidateNotNull]
    public Guest[] Guest { get; set; } = [];

    /// <summary>A host (a name or a host object) whose physical CPUs' caches to flush.</summary>
    [Parameter(Mandatory = true, ParameterSetName = "Host")]
    [Alias("Host")]
    [ArgumentCompleter(typeof(HostNameCompleter))]
    [ValidateNotNull]
    public object? VHost { get; set; }

    /// <summary>Writes each flushed guest to the pipeline.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        if (ParameterSetName == "Host")
        {
            if (HostLookup.Resolve(VHost) is not { } host) { WriteError(HostLookup.NotFound(VHost?.ToString() ?? "")); return; }
            foreach (var cpu in host.Cpus)
                if (ShouldProcess(cpu.ToString(), "Flush the TLB, walk caches and nested TLB")) cpu.Caches.FlushAll();
            return;
        }
        foreach (var g in Guest)
        {
            if (!ShouldProcess(g.Name, "Flush the TLB, walk caches and nested TLB")) continue;
            g.ClearTlb();
            if (PassThru) WriteObject(g);
        }
    }
}
