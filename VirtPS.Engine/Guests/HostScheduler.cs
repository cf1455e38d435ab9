using VirtPS.Engine.Costs;
using VirtPS.Engine.Trace;

namespace VirtPS.Engine.Guests;

/// <summary>
/// Runs several guests' vCPUs on their hosts' physical CPUs, time-sliced. A host's guests are pinned in the
/// order given: the k-th runs on physical CPU k mod <see cref="VHost.PhysicalCpus"/>. Each physical CPU runs
/// its guests round-robin, <see cref="VHost.Quantum"/> guest instructions at a time, and handing a CPU from
/// one guest to another is a world switch: the incoming guest pays it (<see cref="CostEvent.WorldSwitch"/>),
/// and what it does to the translations cached on that CPU is the host's TLB tagging
/// (<see cref="VHost.TlbTagging"/>). The physical CPUs advance in lock step, one slice each per round, so the
/// interleaving — and every counter — is the same on every run.
/// </summary>
public static class HostScheduler
{
    /// <summary>
    /// Runs <paramref name="guests"/> until each has retired <paramref name="budget"/> instructions (null: until
    /// it halts), stopped on an <paramref name="until"/> event or faulted; one combined result per guest, in
    /// the order given.
    /// </summary>
    public static IReadOnlyList<StepResult> Run(IReadOnlyList<Guest> guests, long? budget, CancellationToken cancel = default,
        Action<long>? progress = null, TraceKind until = TraceKind.None, Action<TraceEvent>? trace = null, IEngineDiagnostics? diagnostics = null)
    {
        if (guests.Distinct().Count() != guests.Count)
            throw new VirtPSException(ErrorIds.DuplicateGuest, ErrorKind.InvalidArgument, "A guest was given more than once to run co-scheduled.", guests);
        foreach (var g in guests)
            if (g.State is GuestState.Halted or GuestState.Faulted)
                throw new VirtPSException(g.State == GuestState.Halted ? ErrorIds.GuestHalted : ErrorIds.GuestFaulted, ErrorKind.InvalidOperation,
                    $"Guest '{g.Name}' has {(g.State == GuestState.Halted ? "halted" : "faulted")}; it cannot run co-scheduled.", g);

        var cpuOf = new Dictionary<Guest, PhysicalCpu>();
        foreach (var byHost in guests.GroupBy(g => g.Host ?? throw new VirtPSException(ErrorIds.GuestNotOnHost, ErrorKind.InvalidOperation,
                     $"Guest '{g.Name}' is not on a host; add it to a lab first.", g)))
        {
            int k = 0;
            foreach (var g in byHost)
            {
                cpuOf[g] = byHost.Key.Cpu(k++ % byHost.Key.PhysicalCpus);
                // Tagged: a hardware-assisted guest on a VPID host, with its own VPID (the host's tagging may have changed
                // since the guest last ran, so this is settled for every guest, not only at world switches).
                bool tagged = byHost.Key.TlbTagging == TlbTagging.Vpid && g.Vmm is Styles.HardwareAssisted && g.Vpid != 0;
                g.Machine.Cpu.Vpid = tagged ? g.Vpid : (ushort)0;
                g.Machine.Cpu.EptContext = g.Vpid;
            }
        }

        var retired = guests.ToDictionary(g => g, _ => 0L);
        var cycles = guests.ToDictionary(g => g, _ => 0L);
        var seconds = guests.ToDictionary(g => g, _ => 0.0);
        var done = new Dictionary<Guest, StepResult>();
        long total = 0;
        while (done.Count < guests.Count)
        {
            foreach (var g in guests)
            {
                if (done.ContainsKey(g)) continue;
                if (g.ContainerHost is not null)
                {
                    // Containers share their host's kernel and its machine: a container's turn runs that kernel (all of
                    // them, as it schedules), no world switch; one may end while another has the turn.
                    if (g.State != GuestState.Ready)
                        done[g] = new StepResult(g, retired[g], cycles[g], g.State == GuestState.Halted ? StopReason.Halt : StopReason.Exception, seconds[g]);
                    if (done.Count == guests.Count) break;
                    if (done.ContainsKey(g)) continue;
                }
                var cpu = cpuOf[g];
                if (g.ContainerHost is null && !ReferenceEquals(cpu.Current, g)) SwitchIn(cpu, g);
                cpu.Current = g;
                long slice = Math.Min(cpu.Host.Quantum, (budget ?? long.MaxValue) - retired[g]);
                var r = g.Step(slice, cancel, null, until, trace, diagnostics);
                retired[g] += r.Instructions; cycles[g] += r.Cycles; seconds[g] += r.HostSeconds;
                total += r.Instructions;
                bool finished = r.StopReason != StopReason.InstructionLimit || retired[g] >= (budget ?? long.MaxValue);
                if (finished) done[g] = new StepResult(g, retired[g], cycles[g], r.StopReason, seconds[g], r.Exception);
                if (r.StopReason == StopReason.Cancelled)
                    foreach (var other in guests.Where(o => !done.ContainsKey(o)))
                        done[other] = new StepResult(other, retired[other], cycles[other], StopReason.Cancelled, seconds[other]);
                progress?.Invoke(total);
                if (done.Count == guests.Count) break;
            }
        }
        return guests.Select(g => done[g]).ToList();
    }

    /// <summary>
    /// The CPU passes to <paramref name="incoming"/> (a world switch if another guest had it), whose processor now
    /// translates through this CPU's caches. Tagged, its entries carry its VPID and survive other guests' turns;
    /// untagged, whatever the CPU cached cannot be told apart from the incoming guest's own, so it all goes (Intel SDM
    /// Vol. 3C, 28.3.3.3).
    /// </summary>
    static void SwitchIn(PhysicalCpu cpu, Guest incoming)
    {
        // The processor takes over the CPU's caches when it next runs (Processor.EnsureWired flushes what the tags require).
        incoming.Machine.Cpu.Attach(cpu.Caches);
        if (cpu.Current is null) return;
        cpu.WorldSwitches++;
        incoming.Machine.Cpu.Ledger.Record(Trace.GuestEvent.WorldSwitch, Trace.EventLedger.AnotherGuest);
    }
}
