using System.Management.Automation;
using VirtPS.Engine;
using VirtPS.Engine.Guests;
using VirtPS.Engine.Trace;
using System.Collections.Concurrent;

namespace VirtPS.Commands;

/// <summary>
/// Runs guests: a number of instructions, or until they halt. The engine runs on a worker thread; this
/// thread writes its progress and, on Ctrl+C, cancels it and waits (a few ms) so the guest stays resumable.
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "VStep", DefaultParameterSetName = GuestSet)]
[OutputType(typeof(StepResult), typeof(TraceEvent))]
public sealed class InvokeVStepCommand : PSCmdlet
{
    const string GuestSet = "Guest";
    const string NameSet = "Name";

    /// <summary>The guests to run, piped or given as objects or names.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = GuestSet)]
    [GuestTransformation]
    [ArgumentCompleter(typeof(GuestNameCompleter))]
    [ValidateNotNull]
    public Guest[] Guest { get; set; } = [];

    /// <summary>Names of the guests to run; a name that matches no guest is GuestNotFound.</summary>
    [Parameter(Mandatory = true, ParameterSetName = NameSet)]
    [ArgumentCompleter(typeof(GuestNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string[] Name { get; set; } = [];

    /// <summary>The most instructions to retire in this step (1 or more). Without -Until, the step ends after them even if the guest has not halted.</summary>
    [Parameter]
    [ValidateRange(1, long.MaxValue)]
    public long Instructions { get; set; }

    /// <summary>Run until one of these events: Halt (the default), or stop right after an Exception, Interrupt, Syscall, PageFault or ContextSwitch. With -Instructions, whichever comes first ends the step.</summary>
    [Parameter]
    public StepUntil[] Until { get; set; } = [StepUntil.Halt];

    /// <summary>Also write a TraceEvent for every exception, page fault, interrupt, system call, context switch and halt, as they happen.</summary>
    [Parameter]
    public SwitchParameter Trace { get; set; }

    readonly CancellationTokenSource _cancel = new();
    static int s_activityId;

    protected override void ProcessRecord()
    {
        if (ParameterSetName == GuestSet)
        {
            foreach (var g in Guest) Run(g);
            return;
        }
        foreach (var name in Name)
        {
            if (LabState.Current.TryGet(name, out var g)) Run(g);
            else WriteError(Errors.Create("GuestNotFound", ErrorKind.ObjectNotFound, $"No guest named '{name}' exists.", name));
        }
    }

    void Run(Guest guest)
    {
        // -Instructions alone: that many. -Until alone or neither: to the halt. Both: whichever first.
        long? budget = MyInvocation.BoundParameters.ContainsKey(nameof(Instructions)) ? Instructions : null;
        long latest = 0;
        var events = Trace ? new ConcurrentQueue<TraceEvent>() : null;
        var until = Until.ToTraceKinds();
        var task = Task.Run(() => guest.Step(budget, _cancel.Token, n => Interlocked.Exchange(ref latest, n), until, events is null ? null : events.Enqueue));

        var progress = new ProgressRecord(Interlocked.Increment(ref s_activityId) & 0x3fffffff,
            $"Running guest '{guest.Name}'", "Starting");
        bool shown = false;
        long reported = -1;
        try
        {
            while (!((IAsyncResult)task).AsyncWaitHandle.WaitOne(50))
            {
                Drain(events);
                long n = Interlocked.Read(ref latest);
                if (n == reported || _cancel.IsCancellationRequested) continue;
                reported = n;
                progress.StatusDescription = $"{n:N0} instructions retired";
                progress.PercentComplete = budget is { } b ? (int)Math.Min(100, n * 100.0 / b) : -1;
                WriteProgress(progress);
                shown = true;
            }
            if (shown && !_cancel.IsCancellationRequested)
            {
                progress.RecordType = ProgressRecordType.Completed;
                WriteProgress(progress);
            }
        }
        finally
        {
            // Never leave the engine running on the guest behind us (e.g. WriteProgress threw on Ctrl+C).
            if (!task.IsCompleted)
            {
                _cancel.Cancel();
                ((IAsyncResult)task).AsyncWaitHandle.WaitOne();
            }
        }

        StepResult result;
        try { result = task.GetAwaiter().GetResult(); }
        catch (VirtPSException e) { WriteError(Errors.From(e)); return; }
        Drain(events);
        if (_cancel.IsCancellationRequested) throw new PipelineStoppedException();
        WriteObject(result);
    }

    /// <summary>Writes the trace events the engine has queued so far (on the pipeline thread, as PowerShell requires).</summary>
    void Drain(ConcurrentQueue<TraceEvent>? events)
    {
        if (events is null) return;
        while (events.TryDequeue(out var e)) WriteObject(e);
    }

    protected override void StopProcessing() => _cancel.Cancel();
}
