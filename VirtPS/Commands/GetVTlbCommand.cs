using System.Management.Automation;

namespace VirtPS.Commands;

/// <summary>Lists the valid entries of a guest's TLB, or of each physical CPU's TLB of a host (whose entries carry the
/// guests' VPIDs), level by level; with -Statistics the hit and miss counts instead.</summary>
[Cmdlet(VerbsCommon.Get, "VTlb", DefaultParameterSetName = GuestSet)]
[OutputType(typeof(VTlbEntry), typeof(VTlbStatistics))]
public sealed class GetVTlbCommand : TlbCommandBase
{
    /// <summary>Writes one summary of hits, misses, flushes and walks per level (a VTlbStatistics per guest or
    /// physical CPU) instead of the entries.</summary>
    [Parameter]
    public SwitchParameter Statistics { get; set; }

    protected override void ProcessRecord()
    {
        if (ParameterSetName == HostSet)
        {
            foreach (var cpu in HostCpus())
            {
                if (Statistics) { WriteObject(new VTlbStatistics(cpu)); continue; }
                foreach (var (level, key, entry) in cpu.Caches.Tlb.Entries())
                    WriteObject(VTlbEntry.From(cpu.ToString(), level, key, entry));
            }
            return;
        }
        foreach (var g in Guest)
        {
            if (Statistics) { WriteObject(new VTlbStatistics(g)); continue; }
            foreach (var (level, key, entry) in g.TranslationCaches.Tlb.Entries())
                WriteObject(VTlbEntry.From(g.Name, level, key, entry));
        }
    }
}
