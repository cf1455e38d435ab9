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
    /// <summary>The workload to run (see Get-VWorkload); an unknown one is WorkloadNotFound.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Name")]
    [ArgumentCompleter(typeof(WorkloadNameCompleter))]
    public string Workload { get; set; } = "";

    /// <summary>The styles to compare (default: every style that can run the built-in kernel's workloads). Native is always
    /// run, as the baseline. Library runs Windows executables, not workloads: naming it is LibraryNeedsPe.</summary>
    [Parameter(Position = 1)]
    [PSDefaultValue(Help = "every style that can run the kernel")]
    public VirtualizationStyle[]? Style { get; set; }

    /// <summary>Iterations of the workload (default: the workload's own). Emulation decodes every instruction
    /// afresh, so large counts take a while under it.</summary>
    [Parameter]
    [ValidateRange(1, 1L << 40)]
    [PSDefaultValue(Help = "the workload's own")]
    public long Iterations { get; set; }

    /// <summary>How HardwareAssisted virtualizes memory: Nested (EPT, the default), Shadow (shadow page tables, as
    /// first-generation VT-x: use it to set the rows beside Adams and Agesen's hardware VMM), or both (-Paging
    /// Nested, Shadow), one row each. The row's Paging and EptPageSize properties say which; the table's Style
    /// column (the Setup property) shows HWAssist/Nested, HWAssist/Nested 2M or HWAssist/Shadow.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [PSDefaultValue(Help = "Nested")]
    public MemoryVirtualization[]? Paging { get; set; }

    /// <summary>Under nested paging, the EPT page sizes in bytes: 4096 (the default) and/or 2097152 (2MB), one
    /// HardwareAssisted row each (shown as HWAssist/Nested and HWAssist/Nested 2M). Any other size is
    /// InvalidEptPageSize (InvalidArgument), before anything runs.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [PSDefaultValue(Help = "4096")]
    public ulong[]? EptPageSize { get; set; }

    /// <summary>Values for the workload's own parameters (see Get-VWorkload), as for New-VGuest -WorkloadParameter:
    /// @{ Pages = 4096 } runs tlbstride over 16 MiB.</summary>
    [Parameter]
    public System.Collections.Hashtable? WorkloadParameter { get; set; }

    /// <summary>A built-in cost profile to price the runs with (Pentium4-2006 or Modern; default: the default
    /// host's cost model); an unknown one is UnknownCostProfile.</summary>
    [Parameter]
    [ArgumentCompleter(typeof(CostProfileNameCompleter))]
    [PSDefaultValue(Help = "the default host's cost model")]
    public string? CostProfile { get; set; }

    protected override void ProcessRecord()
    {
        try
        {
            var model = CostProfile is { } name ? CostModel.Builtin(name) : LabState.Current.DefaultHost.CostModel;
            if (Workload_Find() is null) return;
            var styles = Style ?? [.. Vmm.WorkloadStyles];
            int done = 0, runs = StyleComparison.Count(styles, Paging, EptPageSize);
            foreach (var row in StyleComparison.Run(Workload, styles, MyInvocation.BoundParameters.ContainsKey(nameof(Iterations)) ? Iterations : null, model,
                paging: Paging, parameters: NewVGuestCommand.WorkloadParameters(WorkloadParameter), eptPageSizes: EptPageSize, cancel: _cancel.Token))
            {
                WriteProgress(new ProgressRecord(1, $"Compare-VStyle {Workload}", $"{row.Style} {row.Paging} done") { PercentComplete = Math.Min(100, ++done * 100 / runs) });
                WriteObject(row);
            }
            if (_cancel.IsCancellationRequested) throw new PipelineStoppedException();
            WriteProgress(new ProgressRecord(1, $"Compare-VStyle {Workload}", "done") { RecordType = ProgressRecordType.Completed });
        }
        catch (VirtPSException e) { WriteError(Errors.From(e)); }
    }

    // Ctrl+C: the run in progress stops at its next instruction-budget check, and the comparison with it.
    readonly CancellationTokenSource _cancel = new();
    protected override void StopProcessing() => _cancel.Cancel();

    Workload? Workload_Find()
    {
        var w = Engine.Guests.Workload.Find(Workload);
        if (w is null)
            WriteError(Errors.Create(ErrorIds.WorkloadNotFound, ErrorKind.ObjectNotFound, $"No workload named '{Workload}'.", Workload));
        return w;
    }
}
