using System.Management.Automation;
using VirtPS.Engine.Guests;

namespace VirtPS.Commands;

/// <summary>Flushes a guest's TLB, its paging-structure caches (both walk dimensions) and its nested TLB — or those of
/// every physical CPU of a host — so the next translations walk cold. Statistics are kept.</summary>
[Cmdlet(VerbsCommon.Clear, "VTlb", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low, DefaultParameterSetName = GuestSet)]
[OutputType(typeof(Guest))]
public sealed class ClearVTlbCommand : TlbCommandBase
{
    /// <summary>Writes each flushed guest to the pipeline.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        const string action = "Flush the TLB, walk caches and nested TLB";
        if (ParameterSetName == HostSet)
        {
            foreach (var cpu in HostCpus())
                if (ShouldProcess(cpu.ToString(), action)) cpu.Caches.FlushAll();
            return;
        }
        foreach (var g in Guest)
        {
            if (!ShouldProcess(g.Name, action)) continue;
            g.ClearTlb();
            if (PassThru) WriteObject(g);
        }
    }
}
