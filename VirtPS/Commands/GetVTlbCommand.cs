using System.Management.Automation;
using VirtPS.Engine.Guests;

namespace VirtPS.Commands;

/// <summary>Lists the valid entries of a guest's TLB, or of each physical CPU's TLB of a host (whose entries carry the
/// guests' VPIDs), level by level; with -Statistics the hit and miss counts instead.</summary>
[Cmdlet(VerbsCommon.Get, "VTlb", DefaultParameterSetName = "Guest")]
[OutputType(typeof(VTlbEntry), typeof(VTlbStatistics))]
public sealed class GetVTlbCommand : PSCmdlet
{
    /// <summary>The guest, as an object or a name.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = "Guest")]
    [GuestTransformation]
    [ArgumentCompleter(typeof(GuestNameCompleter))]
    [ValidateNotNull]
    public Guest? Guest { get; set; }

    /// <summary>The host (a name or a host object) whose physical CPUs' TLBs to list: the ones its guests were co-scheduled on.</summary>
    [Parameter(Mandatory = true, ParameterSetName = "Host")]
    [Alias("Host")]
    [ArgumentCompleter(typeof(HostNameCompleter))]
    [ValidateNotNull]
    public object? VHost { get; set; }

    /// <summary>Writes one summary of hits, misses, flushes and walks per level instead of the entries.</summary>
    [Parameter]
    public SwitchParameter Statistics { get; set; }

    protected override void ProcessRecord()
    {
        if (ParameterSetName == "Host")
        {
            var host = HostLookup.Resolve(VHost);
            if (host is null) { WriteError(HostLookup.NotFound(VHost?.ToString() ?? "")); return; }
            foreach (var cpu in host.Cpus)
            {
                if (Statistics) { WriteObject(new VTlbStatistics(cpu)); continue; }
                foreach (var (level, key, entry) in cpu.Caches.Tlb.Entries())
                    WriteObject(VTlbEntry.From(cpu.ToString(), level, key, entry));
            }
            return;
        }
        var g = Guest!;
        if (Statistics) { WriteObject(new VTlbStatistics(g)); return; }
        foreach (var (level, key, entry) in g.TranslationCaches.Tlb.Entries())
            WriteObject(VTlbEntry.From(g.Name, level, key, entry));
    }
}
