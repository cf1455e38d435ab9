using System.Management.Automation;
using VirtPS.Engine;
using VirtPS.Engine.Guests;
using VirtPS.Engine.Trace;
using System.Collections.Concurrent;

namespace VirtPS.Commands;

/// <summary>
/// Runs guests: a number of instructions, or until they halt. Piped or listed guests run one at a time, each as it
/// arrives, and its result is written before the next is read. With -CoSchedule, or every ready guest of a host with
/// -VHost, the guests are co-scheduled on their hosts' physical CPUs, time-sliced, with a world switch each time a CPU
/// passes from one guest to another. The engine runs on a worker thread; this thread writes its progress and, on
/// Ctrl+C, cancels it and waits (a few ms) so the guests stay resumable.
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "VStep", DefaultParameterSetName = GuestSet)]
[OutputType(typeof(StepResult), typeof(TraceEvent))]
public sealed class InvokeVStepCommand : PSCmdlet
{
    const string GuestSet = "Guest";
    const string HostSet = "Host";

    /// <summary>The guests to run: guest objects (usually piped), names or wildcard patterns. Each runs as it arrives
    /// and its result is written before the next guest is read; with -CoSchedule they run together. -Name is an alias.
    /// A name that matches no guest fails parameter binding with a GuestNotFound error inside; a pattern that matches
    /// none runs nothing.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = GuestSet)]
    [Alias("Name")]
    [GuestTransformation]
    [ArgumentCompleter(typeof(GuestNameCompleter))]
    [SupportsWildcards]
    [AllowEmptyCollection]
    [ValidateNotNull]
    public Guest[] Guest { get; set; } = [];

    /// <summary>Collect the guests (piped or listed) and co-schedule them on their hosts' physical CPUs once the last
    /// has arrived: each host pins its guests to its CPUs in turn and time-slices each CPU, a Quantum at a time; a
    /// hand-over between guests is a world switch. The results come at the end, one per guest in the order given.</summary>
    [Parameter(ParameterSetName = GuestSet)]
    public SwitchParameter CoSchedule { get; set; }

    /// <summary>Co-schedule every ready guest of these hosts (host objects, names or wildcard patterns; -Host is an alias)
    /// on their physical CPUs, as -CoSchedule does. A name that matches no host fails parameter binding with a
    /// HostNotFound error inside. Names complete on Tab.</summary>
    [Parameter(Mandatory = true, ParameterSetName = HostSet)]
    [Alias("Host")]
    [HostTransformation]
    [ArgumentCompleter(typeof(HostNameCompleter))]
    [SupportsWildcards]
    [AllowEmptyCollection]
    [ValidateNotNull]
    public VHost[] VHost { get; set; } = [];

    /// <summary>The most instructions to retire in this step, 1 or more (per guest when co-scheduled). Without -Until
    /// the step ends after them even if the guest has not halted; a guest stopped so can be stepped again and
    /// continues where it left off.</summary>
    [Parameter]
    [ValidateRange(1, long.MaxValue)]
    [PSDefaultValue(Help = "no limit (to the halt or an -Until event)")]
    public long Instructions { get; set; }

    /// <summary>The most host time the step may take; when it runs out the step ends with StopReason TimeLimit and the
    /// guest can run on. A guest on KVM (New-VGuest -Backend Kvm), whose instructions the engine cannot count, takes this
    /// instead of -Instructions.</summary>
    [Parameter]
    [PSDefaultValue(Help = "no limit; 10 seconds for a guest on KVM")]
    public TimeSpan? TimeLimit { get; set; }

    /// <summary>Run until one of these events: Halt (the default), or stop right after an Exception, PageFault,
    /// Interrupt, Syscall or ContextSwitch. With -Instructions too, whichever comes first ends the step.</summary>
    [Parameter]
    public StepUntil[] Until { get; set; } = [StepUntil.Halt];

    /// <summary>Also write a TraceEvent object for each exception, page fault, interrupt, system call, context switch
    /// and halt, as they happen, before the step result.</summary>
    [Parameter]
    public SwitchParameter Trace { get; set; }

    readonly CancellationTokenSource _cancel = new();
    readonly List<Guest> _together = [];
    static int s_activityId;

    protected override void ProcessRecord()
    {
        if (ParameterSetName == HostSet)
            _together.AddRange(VHost.SelectMany(h => h.Guests).Where(g => g.State == GuestState.Ready));
        else if (CoSchedule)
            _together.AddRange(Guest);
        else
            foreach (var g in Guest.Where(CanRun)) Run([g], g.Name);
    }

    protected override void EndProcessing()
    {
        var guests = _together.Distinct().Where(CanRun).ToList();
        if (guests.Count == 1) Run(guests, guests[0].Name);
        else if (guests.Count > 1) Run(guests, $"{guests.Count} guests co-scheduled");
    }

    /// <summary>True if the guest can run; a halted or faulted guest is reported on its own and the others still run.</summary>
    bool CanRun(Guest g)
    {
        if (g.State == GuestState.Halted)
            WriteError(Errors.Create(ErrorIds.GuestHalted, ErrorKind.InvalidOperation, $"Guest '{g.Name}' has halted; create a new guest to run it again.", g));
        else if (g.State == GuestState.Faulted)
            WriteError(Errors.Create(ErrorIds.GuestFaulted, ErrorKind.InvalidOperation, $"Guest '{g.Name}' stopped on {g.LastException}; it cannot run further.", g));
        else return true;
        return false;
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
            ? [guests[0].Step(budget, _cancel.Token, report, until, events is null ? null : events.Enqueue, _diagnostics, TimeLimit)]
            : HostScheduler.Run(guests, budget, _cancel.Token, report, until, events is null ? null : events.Enqueue, _diagnostics));
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
        foreach (var (id, message) in _diagnostics.Drain())
            if (id is null) WriteVerbose(message); else WriteWarning(message);
        if (events is null) return;
        while (events.TryDequeue(out var e)) WriteObject(e);
    }

    /// <summary>The engine's warnings and notes, forwarded on the pipeline thread.</summary>
    readonly DiagnosticsQueue _diagnostics = new();

    protected override void StopProcessing() => _cancel.Cancel();
}
