using VirtPS.Engine.Costs;
using VirtPS.Engine.Styles;
using VirtPS.Engine.Trace;

namespace VirtPS.Engine.Guests;

/// <summary>
/// What a guest (its whole life) or one step of it cost: instructions, cycles, host time, MIPS, and every count behind
/// them, read from the guest's one <see cref="EventLedger"/> and its processor's translation hardware — the same for
/// every style (a count a style never makes is 0).
/// </summary>
public sealed class GuestMeasurement
{
    internal GuestMeasurement(Guest guest)
    {
        Name = guest.Name; Style = guest.Style; Scope = "Guest"; State = guest.State;
        Instructions = guest.Instructions; Cycles = guest.Cycles; HostSeconds = guest.HostSeconds;
        ResidentBytes = guest.ResidentBytes;
        FromVmm(guest);
        Devices = guest.Devices.Select(d => new DeviceMeasurement(guest, d)).ToList();
        DomainSwitches = guest.Vmm.Events[GuestEvent.DomainSwitch];
        InterruptsInjected = guest.Vmm.Events[GuestEvent.Injection];
        InterruptsPosted = guest.Vmm.Events[GuestEvent.PostedInterrupt];
    }

    /// <summary>Per device: requests, bytes, intercepts, notifications, interrupts, IOMMU work, switches, cycles per KiB.</summary>
    public IReadOnlyList<DeviceMeasurement> Devices { get; private set; } = [];
    /// <summary>Backend requests served in the service domain (the Hybrid driver model): a switch there and back each.</summary>
    public long DomainSwitches { get; private set; }
    /// <summary>Virtual interrupts and exceptions the VMM injected, and assigned devices' interrupts posted by hardware.</summary>
    public long InterruptsInjected { get; private set; }
    public long InterruptsPosted { get; private set; }

    /// <summary>The ledger's counts (over the guest's life: the VMM keeps totals, not per-step figures).</summary>
    void FromVmm(Guest guest)
    {
        var events = guest.Vmm.Events;
        var ledger = guest.Vmm.Ledger();
        Events = ledger.Breakdown(guest.Costs);
        CostModel = guest.Costs.Name;
        if (guest.CyclesPerIteration is { } perIteration) CyclesPerIteration = Math.Round(perIteration, 1);
        Exits = events[GuestEvent.VmExit];
        ExitsByReason = events.ByCode(GuestEvent.VmExit).ToDictionary(c => ((ExitReason)c.Code).ToString(), c => c.Count);
        EptViolations = events.Count(GuestEvent.VmExit, (int)ExitReason.EptViolation);
        EptMisconfigurations = events.Count(GuestEvent.VmExit, (int)ExitReason.EptMisconfiguration);
        Paging = guest.Paging.ToString();
        var cpu = guest.Machine.Cpu;
        PageWalks = cpu.PageWalks;
        WalkReferences = cpu.WalkReferences;
        ReferencesPerWalk = PageWalks > 0 ? Math.Round((double)WalkReferences / PageWalks, 2) : 0;
        var tlb = cpu.Caches.Tlb;
        L1InstructionTlbHits = tlb.L1InstructionHits; L1InstructionTlbMisses = tlb.L1InstructionMisses;
        L1DataTlbHits = tlb.L1DataHits; L1DataTlbMisses = tlb.L1DataMisses;
        StlbHits = tlb.StlbHits; StlbMisses = tlb.StlbMisses; TlbFlushes = tlb.Flushes;
        TlbMisses = cpu.TlbMisses;
        long lookups = tlb.L1InstructionHits + tlb.L1InstructionMisses + tlb.L1DataHits + tlb.L1DataMisses;
        TlbHitRate = lookups > 0 ? Math.Round(1 - (double)tlb.StlbMisses / lookups, 4) : 0;
        WalkCacheHits = cpu.Caches.Guest.Hits + cpu.Caches.Ept.Hits;
        NestedTlbHits = cpu.Caches.Nested.Hits;
        Traps = ledger[CostEvent.Trap];
        Callouts = ledger[CostEvent.Callout];
        Hypercalls = ledger[CostEvent.Hypercall];
        HypercallBatchEntries = ledger[CostEvent.HypercallBatchEntry];
        HypercallsByName = events.ByCode(GuestEvent.Hypercall).Where(c => Paravirtual.HypercallName(c.Code) != null)
            .ToDictionary(c => Paravirtual.HypercallName(c.Code)!, c => c.Count);
        RefusedUpdates = events[GuestEvent.RefusedUpdate];
        WorldSwitches = ledger[CostEvent.WorldSwitch];
        FidelityViolations = (int)events[GuestEvent.FidelityViolation];
        if (guest.Machine.Translator is { } translator)
        {
            Translations = translator.InstructionsTranslated;
            TranslationCacheHits = translator.CacheHits;
        }
        if (guest.Kvm is { } kvm)
        {
            // On the host's processor: the exits that reached the VMM, by KVM exit reason, and the host time each took.
            Exits = kvm.Exits.Total;
            ExitsByReason = kvm.Exits.Counts;
            MicrosecondsPerExit = Math.Round(kvm.Exits.MicrosecondsPerExit, 2);
        }
        Backend = guest.Backend;
        _jvm = guest.Jvm;
        HiddenPageFaults = events[GuestEvent.HiddenPageFault];
        TracingPageFaults = events[GuestEvent.TracingPageFault];
        TruePageFaults = events[GuestEvent.TruePageFault];
        if (guest.Vmm is Styles.Library library)
        {
            var calls = library.Calls;
            TranslatedCalls = calls.ToDictionary(c => c.Key, c => c.Value.Calls);
            TranslatedCallCycles = calls.ToDictionary(c => c.Key, c => (long)Math.Round(c.Value.Events.Total(guest.Costs)));
            TranslationLayerCycles = TranslatedCallCycles.Values.Sum();
            TranslationLayerInstructions = library.LayerInstructions;
            ExitCode = guest.ExitCode;
        }
    }

    /// <summary>Library: calls from the program into the translation layer by API ("KERNEL32.dll.WriteFile"), the cycles
    /// each API's calls cost (the layer's instructions, the system calls it made and the kernel's work for them: the
    /// ledger's events between entry and return, priced by the cost model) and their sum, the instructions the layer's
    /// code retired, and the code the program exited with.</summary>
    public IReadOnlyDictionary<string, long> TranslatedCalls { get; private set; } = new Dictionary<string, long>();
    public IReadOnlyDictionary<string, long> TranslatedCallCycles { get; private set; } = new Dictionary<string, long>();
    public long TranslationLayerCycles { get; private set; }
    public long TranslationLayerInstructions { get; private set; }
    public long? ExitCode { get; private set; }

    public GuestMeasurement(StepResult step)
    {
        Name = step.Guest.Name; Style = step.Guest.Style; Scope = "Step"; State = step.Guest.State;
        StopReason = step.StopReason;
        Instructions = step.Instructions; Cycles = step.Cycles; HostSeconds = step.HostSeconds;
        ResidentBytes = step.Guest.ResidentBytes;
        FromVmm(step.Guest);
    }

    public string Name { get; }
    public VirtualizationStyle Style { get; }
    /// <summary><c>Guest</c> for a guest's totals, <c>Step</c> for one step.</summary>
    public string Scope { get; }
    public GuestState State { get; }
    /// <summary>Why the measured step stopped; empty for a guest's totals.</summary>
    public StopReason? StopReason { get; }
    public long Instructions { get; }
    public long Cycles { get; }
    public double HostSeconds { get; }
    /// <summary>Guest instructions per host second, in millions.</summary>
    public double Mips => HostSeconds > 0 ? Instructions / HostSeconds / 1e6 : 0;
    /// <summary>Simulated cycles per instruction.</summary>
    public double Cpi => Instructions > 0 ? (double)Cycles / Instructions : 0;
    /// <summary>Guest memory backed by host frames, in bytes.</summary>
    public long ResidentBytes { get; }
    /// <summary>The cost model that priced the events.</summary>
    public string CostModel { get; private set; } = "";
    /// <summary>For a workload guest: the cycles of its whole life divided by the iterations all its processes ran.</summary>
    public double? CyclesPerIteration { get; private set; }
    /// <summary>Every primitive event counted, with its price and total cycles (the whole of <see cref="Cycles"/>).</summary>
    public IReadOnlyList<CostLine> Events { get; private set; } = [];
    /// <summary>Where the guest ran: the simulator, or the host's processor through KVM.</summary>
    public Kvm.ExecutionBackend Backend { get; private set; }
    /// <summary>KVM: host time per exit that reached the VMM, in microseconds (measured, not modelled).</summary>
    public double MicrosecondsPerExit { get; private set; }
    /// <summary>HardwareAssisted: VM exits, in total and by SDM basic exit reason (KVM: by KVM_EXIT_* reason).</summary>
    public long Exits { get; private set; }
    public IReadOnlyDictionary<string, long> ExitsByReason { get; private set; } = new Dictionary<string, long>();
    /// <summary>Faults into the VMM (TrapAndEmulate), callouts from translated code, hypercalls, world switches to a host OS.</summary>
    public long Traps { get; private set; }
    public long Callouts { get; private set; }
    public long Hypercalls { get; private set; }
    /// <summary>Paravirtual: hypercalls by Xen's name (mmu_update, iret, ...), the updates validated inside
    /// batches (mmu_update entries, mmuext_op operations), and the updates the hypervisor refused.</summary>
    public IReadOnlyDictionary<string, long> HypercallsByName { get; private set; } = new Dictionary<string, long>();
    public long HypercallBatchEntries { get; private set; }
    public long RefusedUpdates { get; private set; }
    public long WorldSwitches { get; private set; }
    /// <summary>BinaryTranslation: guest instructions translated (retranslations included), and entries into a
    /// block that was already in the translation cache.</summary>
    public long Translations { get; private set; }
    public long TranslationCacheHits { get; private set; }
    /// <summary>Sensitive unprivileged instructions that silently misbehaved (TrapAndEmulate).</summary>
    public int FidelityViolations { get; private set; }
    /// <summary>How memory is virtualized: Native, Shadow, Nested, Direct or Software.</summary>
    public string Paging { get; private set; } = "";
    /// <summary>Hardware page walks (each one a TLB miss, data or instruction), their memory references in total and per
    /// walk (24 for a cold nested 4-level/4-level walk; the walk caches and the nested TLB make it far fewer).</summary>
    public long PageWalks { get; private set; }
    public long WalkReferences { get; private set; }
    public double ReferencesPerWalk { get; private set; }
    /// <summary>TLB hits and misses per level: the L1 ITLB (looked up per code page entered), the L1 DTLB (host page cache
    /// hits included), the STLB (its misses walk), whole-TLB or whole-PCID flushes, and the share of lookups that did not walk.</summary>
    public long L1InstructionTlbHits { get; private set; }
    public long L1InstructionTlbMisses { get; private set; }
    public long L1DataTlbHits { get; private set; }
    public long L1DataTlbMisses { get; private set; }
    public long StlbHits { get; private set; }
    public long StlbMisses { get; private set; }
    /// <summary>This guest's lookups that missed the whole TLB (StlbMisses counts every guest sharing the CPU's TLB).</summary>
    public long TlbMisses { get; private set; }
    public long TlbFlushes { get; private set; }
    public double TlbHitRate { get; private set; }
    /// <summary>Walks a paging-structure cache shortened (guest and EPT dimensions), and nested-TLB hits.</summary>
    public long WalkCacheHits { get; private set; }
    public long NestedTlbHits { get; private set; }
    /// <summary>Nested paging: EPT violations (first touches the VMM mapped) and EPT misconfigurations.</summary>
    public long EptViolations { get; private set; }
    public long EptMisconfigurations { get; private set; }
    /// <summary>Shadow paging: faults the VMM resolved itself (hidden), guest page-table writes it traced and
    /// emulated, and true guest page faults it reflected.</summary>
    public long HiddenPageFaults { get; private set; }
    public long TracingPageFaults { get; private set; }
    public long TruePageFaults { get; private set; }
    /// <summary>Application: bytecodes the guest interpreter dispatched and compiled code ran, methods compiled and their
    /// code's size, the instructions retired from the runtime's start to its exit, and guest instructions per bytecode over
    /// that run, before the first compilation and after the last (null where there was no such span or it has not exited).</summary>
    public long BytecodesInterpreted => _jvm?.BytecodesInterpreted ?? 0;
    public long BytecodesCompiled => _jvm?.BytecodesCompiled ?? 0;
    public int MethodsCompiled => _jvm?.MethodsCompiled ?? 0;
    public long CompiledBytes => _jvm?.CompiledBytes ?? 0;
    public long ProgramInstructions => _jvm?.ProgramInstructions ?? 0;
    public double? InstructionsPerBytecode => _jvm?.InstructionsPerBytecode;
    public double? InstructionsPerBytecodeBeforeCompilation => _jvm?.InstructionsPerBytecodeBeforeCompilation;
    public double? InstructionsPerBytecodeAfterCompilation => _jvm?.InstructionsPerBytecodeAfterCompilation;
    /// <summary>The process VM's counters, taken once when the measurement is made (null for another style).</summary>
    Jvm.JvmCounters? _jvm;
}
