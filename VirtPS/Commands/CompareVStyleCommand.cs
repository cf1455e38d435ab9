using System.Management.Automation;
using VirtPS.Engine;
using VirtPS.Engine.Costs;
using VirtPS.Engine.Guests;
using VirtPS.Engine.Styles;

namespace VirtPS.Commands;

/// <summary>Runs a workload under each virtualization style and writes one row per style: cycles per
/// iteration and the ratio to Native, priced by one cost model.</summary>
[Cmdlet(VerbsData.Compare, "VStyle")]
[OutputType(typeof(StyleComparisonRow))]
public sealed class CompareVStyleCommand : PSCmdlet
{
    /// <summary>The workload to run (see Get-VWorkload).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Name")]
    [ArgumentCompleter(typeof(WorkloadNameCompleter))]
    public string Workload { get; set; } = "";

    /// <summary>Styles to compare (default: every style that can run the kernel). Native is always run, as the baseline.</summary>
    [Parameter(Position = 1)]
    public VirtualizationStyle[]? Style { get; set; }

    /// <summary>Iterations of the workload (default: the workload's own).</summary>
    [Parameter]
    [ValidateRange(1, 1L << 40)]
    public long Iterations { get; set; }

    /// <summary>How HardwareAssisted virtualizes memory: Nested (EPT, the default), Shadow (first-generation VT-x), or
    /// both, one row each.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public MemoryVirtualization[]? Paging { get; set; }

    /// <summary>Under nested paging, EPT page sizes in bytes: 4096 (the default) and/or 2097152 (2MB), one row each.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public ulong[]? EptPageSize { get; set; }

    /// <summary>Values for the workload's own parameters (see Get-VWorkload), e.g. @{ Pages = 4096 } for tlbstride.</summary>
    [Parameter]
    public System.Collections.Hashtable? WorkloadParameter { get; set; }

    /// <summary>A built-in cost profile to price the runs with (default: the default host's cost model).</summary>
    [Parameter]
    [ArgumentCompleter(typeof(CostProfileNameCompleter))]
    public string? CostProfile { get; set; }

    protected override void ProcessRecord()
    {
        try
        {
            var model = CostProfile is { } name ? CostModel.Builtin(name) : LabState.Current.DefaultHost.CostModel;
            if (Workload_Find() is null) return;
            var styles = Style ?? [.. Vmm.Available];
            int done = 0, runs = StyleComparison.Count(styles, Paging, EptPageSize);
            foreach (var row in StyleComparison.Run(Workload, styles, MyInvocation.BoundParameters.ContainsKey(nameof(Iterations)) ? Iterations : null, model,
                paging: Paging, parameters: NewVGuestCommand.WorkloadParameters(WorkloadParameter), eptPageSizes: EptPageSize))
            {
                WriteProgress(new ProgressRecord(1, $"Compare-VStyle {Workload}", $"{row.Style} {row.Paging} done") { PercentComplete = Math.Min(100, ++done * 100 / runs) });
                WriteObject(row);
            }
            WriteProgress(new ProgressRecord(1, $"Compare-VStyle {Workload}", "done") { RecordType = ProgressRecordType.Completed });
        }
        catch (VirtPSException e) { WriteError(Errors.From(e)); }
    }

    Workload? Workload_Find()
    {
        var w = Engine.Guests.Workload.Find(Workload);
        if (w is null)
            WriteError(Errors.Create(ErrorIds.WorkloadNotFound, ErrorKind.ObjectNotFound, $"No workload named '{Workload}'.", Workload));
        return w;
    }
}
