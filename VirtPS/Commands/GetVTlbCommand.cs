using System.Management.Automation;
using VirtPS.Engine.Guests;

namespace VirtPS.Commands;

/// <summary>Lists the valid entries of a guest's TLB, level by level, or with -Statistics its hit and miss counts.</summary>
[Cmdlet(VerbsCommon.Get, "VTlb")]
[OutputType(typeof(VTlbEntry), typeof(VTlbStatistics))]
public sealed class GetVTlbCommand : PSCmdlet
{
    /// <summary>The guest, as an object or a name.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [GuestTransformation]
    [ArgumentCompleter(typeof(GuestNameCompleter))]
    [ValidateNotNull]
    public Guest? Guest { get; set; }

    /// <summary>Writes one summary of hits, misses, flushes and walks per level instead of the entries.</summary>
    [Parameter]
    public SwitchParameter Statistics { get; set; }

    protected override void ProcessRecord()
    {
        var g = Guest!;
        if (Statistics) { WriteObject(new VTlbStatistics(g)); return; }
        foreach (var (level, key, entry) in g.TranslationCaches.Tlb.Entries())
            WriteObject(VTlbEntry.From(g.Name, level, key, entry));
    }
}
