using System.Management.Automation;
using VirtPS.Engine;
using VirtPS.Engine.Guests;
using VirtPS.Engine.Trace;
using System.Collections.Concurrent;

namespace VirtPS.Commands;

/// <summary>
/// Runs guests: a number of instructions, or until they halt. One guest runs alone; several (piped, listed,
/// or every guest of a host with -VHost) are co-scheduled on their hosts' physical CPUs, time-sliced, with a
/// world switch each time a CPU passes from one guest to another. The engine runs on a worker thread; this
/// thread writes its progress and, on Ctrl+C, cancels it and waits (a few ms) so the guests stay resumable.
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "VStep", DefaultParameterSetName = GuestSet)]
[OutputType(typeof(StepResult), typeof(TraceEvent))]
public sealed class InvokeVStepCommand : PSCmdlet
{
    const string GuestSet = "Guest";
    const string NameSet = "Name";
    const string HostSet = "Host";

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

    /// <summary>Co-schedules every guest on this host (a name or a host object).</summary>
    [Parameter(Mandatory = true, ParameterSetName = HostSet)]
    [Alias("Host")]
    [ArgumentCompleter(typeof(HostNameCompleter))]
    [ValidateNotNull]
    public object? VHost { get; set; }

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
    readonly List<Guest> _guests = [];
    static int s_activityId;

    protected override void ProcessRecord()
    {
        switch (ParameterSetName)
        {
            case GuestSet:
                _guests.AddRange(Guest);
                break;
            case NameSet:
                foreach (var name in Name)
                {
                    if (LabState.Current.TryGet(name, out var g)) _guests.Add(g);
                    else WriteError(Errors.Create("GuestNotFound", ErrorKind.ObjectNotFound, $"No guest named '{name}' exists.", name));
                }
                break;
            case HostSet:
                var host = HostLookup.Resolve(VHost);
                if (host is null) { WriteError(HostLookup.NotFound(VHost?.ToString() ?? "")); return; }
                _guests.AddRange(host.Guests.Where(g => g.State == GuestState.Ready));
                break;
        }
    }

    protected override void EndProcessing()
    {
        // Several guests share their hosts' CPUs; one runs alone, as it always did.
        var guests = new List<Guest>();
        foreach (var g in _guests.Distinct())
        {
            // A guest that cannot run is reported on its own; the others still run.
            if (g.State == GuestState.Halted)
                WriteError(Errors.Create("GuestHalted", ErrorKind.InvalidOperation, $"Guest '{g.Name}' has halted; create a new guest to run it again.", g));
            else if (g.State == GuestState.Faulted)
                WriteError(Errors.Create("GuestFaulted", ErrorKind.InvalidOperation, $"Guest '{g.Name}' stopped on {g.LastException}; it cannot run further.", g));
            else guests.Add(g);
        }
        if (guests.Count == 1) { Run(guests, guests[0].Name); return; }
        if (guests.Count > 1) Run(guests, $"{guests.Count} guests co-scheduled");
    }

    void Run(List<Guest> guests, string what)
    {
        // -Instructions alone: that many. -Until alone or neither: to the halt. Both: whichever first.
        long? budget = MyInvocation.BoundParameters.ContainsKey(nameof(Instructions)) ? Instructions : null;
        long latest = 0;
        var events = Trace ? new ConcurrentQueue<TraceEvent>() : null;
        var until = Until.ToTraceKinds();
        Action<long> report = n => Interlocked.Exchange(ref latest, n);
        var task = Task.Run(() => guests.Count == 1
            ? [guests[0].Step(budget, _cancel.Token, report, until, events is null ? null : events.Enqueue)]
            : HostScheduler.Run(guests, budget, _cancel.Token, report, until, events is null ? null : events.Enqueue));
        if (budget is { } perGuest) budget = perGuest * guests.Count;

        var progress = new ProgressRecord(Interlocked.Increment(ref s_activityId) & 0x3fffffff,
            guests.Count == 1 ? $"Running guest '{what}'" : $"Running {what}", "Starting");
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

        IReadOnlyList<StepResult> results;
        try { results = task.GetAwaiter().GetResult(); }
        catch (VirtPSException e) { WriteError(Errors.From(e)); return; }
        Drain(events);
        if (_cancel.IsCancellationRequested) throw new PipelineStoppedException();
        foreach (var r in results) WriteObject(r);
    }

    /// <summary>Writes the trace events the engine has queued so far (on the pipeline thread, as PowerShell requires).</summary>
    void Drain(ConcurrentQueue<TraceEvent>? events)
    {
        if (events is null) return;
        while (events.TryDequeue(out var e)) WriteObject(e);
    }

    protected override void StopProcessing() => _cancel.Cancel();
}
