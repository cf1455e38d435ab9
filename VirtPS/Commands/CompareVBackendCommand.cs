using System.Management.Automation;
using VirtPS.Engine;
using VirtPS.Engine.Guests;
using VirtPS.Engine.Kvm;

namespace VirtPS.Commands;

/// <summary>
/// Runs the same guest on the simulator's HardwareAssisted style and on the host's KVM, and lists them side by side:
/// console, final registers (bare programs), exits by reason from each, host time; each kind of exit is set against its
/// counterpart, and every disagreement is listed with its reason — to see the model's error, not to hide it.
/// </summary>
[Cmdlet(VerbsData.Compare, "VBackend", DefaultParameterSetName = WorkloadSet)]
[OutputType(typeof(BackendComparison))]
public sealed class CompareVBackendCommand : PSCmdlet
{
    const string WorkloadSet = "Workload";
    const string BareSet = "Bare";

    /// <summary>The built-in kernel's workload to run on both backends (see Get-VWorkload).</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = WorkloadSet)]
    [ArgumentCompleter(typeof(WorkloadNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string Workload { get; set; } = "";

    /// <summary>How many iterations the workload runs; the default is the workload's own.</summary>
    [Parameter(ParameterSetName = WorkloadSet)]
    [ValidateRange(1, long.MaxValue)]
    [PSDefaultValue(Help = "the workload's own")]
    public long Iterations { get; set; }

    /// <summary>An assembled program (ConvertTo-VProgram) run bare, at CPL 0 with no kernel, on both backends.</summary>
    [Parameter(Mandatory = true, ParameterSetName = BareSet)]
    public VProgram? Program { get; set; }

    /// <summary>The most host time the KVM run may take.</summary>
    [Parameter]
    [PSDefaultValue(Help = "10 seconds")]
    public TimeSpan TimeLimit { get; set; } = Guest.DefaultKvmTimeLimit;

    protected override void ProcessRecord()
    {
        var progress = new ProgressRecord(1, "Compare-VBackend", "the simulator, then KVM");
        WriteProgress(progress);
        try
        {
            var comparison = ParameterSetName == BareSet
                ? BackendComparison.Bare("program", Program!.Bytes, Program.Origin, Program.EntryPoint, timeLimit: TimeLimit, cancel: _cancel.Token)
                : BackendComparison.Workload(Workload, MyInvocation.BoundParameters.ContainsKey(nameof(Iterations)) ? Iterations : null, timeLimit: TimeLimit, cancel: _cancel.Token);
            progress.RecordType = ProgressRecordType.Completed;
            WriteProgress(progress);
            WriteObject(comparison);
        }
        catch (VirtPSException e) { WriteError(Errors.From(e)); }
        catch (OperationCanceledException) { throw new PipelineStoppedException(); }
    }

    // Ctrl+C: the run in progress (on the simulator or on KVM) stops, and the comparison with it.
    readonly CancellationTokenSource _cancel = new();
    protected override void StopProcessing() => _cancel.Cancel();
}
