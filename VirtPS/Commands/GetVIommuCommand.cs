using System.Management.Automation;
using VirtPS.Engine.Guests;

namespace VirtPS.Commands;

/// <summary>Shows a guest's IOMMU domain (Intel VT-d second-level translation): its mappings, read from its tables, the
/// devices assigned to it, the translation counts, and the DMA-remapping faults with their VT-d fault reasons.</summary>
[Cmdlet(VerbsCommon.Get, "VIommu")]
[OutputType(typeof(GuestIommu))]
public sealed class GetVIommuCommand : PSCmdlet
{
    /// <summary>The guests: guest objects, names or wildcard patterns.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [GuestTransformation]
    [ArgumentCompleter(typeof(GuestNameCompleter))]
    [SupportsWildcards]
    [ValidateNotNull]
    public Guest[] Guest { get; set; } = [];

    protected override void ProcessRecord()
    {
        foreach (var g in Guest)
        {
            if (g.IommuView is { } v) WriteObject(v);
            else WriteVerbose($"{g.Name} has no passthrough device, so no IOMMU domain.");
        }
    }
}
