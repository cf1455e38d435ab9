using VirtPS.Engine.Memory;

namespace VirtPS.Engine.Cpu;

/// <summary>
/// A bare x86-64 machine: one processor and guest-physical memory, executing through a cache of decoded
/// basic blocks (the reference interpreter).
/// </summary>
public sealed partial class Machine
{
    readonly DecodeCache _decoded;

    public Machine(ulong memoryBytes)
    {
        if (memoryBytes < 1UL << 20) throw new ArgumentOutOfRangeException(nameof(memoryBytes), "A machine needs at least 1 MB.");
        Memory = new PhysicalMemory(memoryBytes);
        Cpu = new Processor(Memory);
        Cpu.Cr3 = BootPageTables.Build(Memory);
        _decoded = new DecodeCache(Cpu);
        Console = new Io.Uart16550();
        Cpu.Ports.Map(Io.Uart16550.Com1, 8, Console);
        Pci = new Io.Pci.PciBus();
        Pci.Attach(Cpu.Ports);
    }

    /// <summary>PCI bus 0 (configuration mechanism #1 at ports 0xCF8/0xCFC): where the virtio functions sit.</summary>
    public Io.Pci.PciBus Pci { get; }

    /// <summary>Device IRQs requested and not yet delivered (bit n: IRQ n), so their delivery is told from the same vector
    /// raised another way (a self-IPI).</summary>
    int _deviceVectors;

    /// <summary>Where IRQ 0 arrives: the IOAPIC's redirection entries, as this machine's firmware programs them, send
    /// IRQ n to vector <c>IrqVector + n</c>, fixed delivery, to the one processor (the kernel's IRQ_VECTOR).</summary>
    public const int IrqVector = 0x40;

    /// <summary>A device asserts <paramref name="irq"/>. <paramref name="posted"/>: the device is assigned to the guest and
    /// its interrupt is remapped and posted by hardware; otherwise a VMM's device model raised it and the VMM injects it.</summary>
    public void RaiseIrq(int irq, bool posted)
    {
        _deviceVectors |= 1 << irq;
        Cpu.Apic.RequestExternal(IrqVector + irq);
        Cpu.Vmm?.OnDeviceInterrupt(irq, posted);
    }

    public PhysicalMemory Memory { get; }
    public Processor Cpu { get; }
    /// <summary>The serial console: a 16550 UART at port 0x3F8.</summary>
    public Io.Uart16550 Console { get; }
    /// <summary>External interrupts delivered to the guest.</summary>
    public long InterruptsDelivered { get; private set; }
    /// <summary>The exception that stopped the machine, if one did.</summary>
    public GuestException? LastException { get; private set; }
    public bool Halted { get; private set; }
    /// <summary>Decoded basic blocks currently cached.</summary>
    public int DecodedBlocks => _decoded.Count;
    /// <summary>Makes this machine an instruction-by-instruction emulator: no decoded block is kept.</summary>
    internal void DecodeEveryInstruction() => _decoded.Uncached = true;
    /// <summary>Blocks dropped because guest code wrote to their page.</summary>
    public long DecodeInvalidations => _decoded.Invalidations;

    /// <summary>
    /// The block translator, or null to interpret every block. With a translator, a block its
    /// <see cref="BlockTranslator.Filter"/> accepts runs translated: compiled code once the block is hot and
    /// when it fits wholly in the run's remaining budget and before the timer's deadline, otherwise its
    /// translated form step by step. Blocks the filter declines are interpreted. Kept instructions run the
    /// interpreter's handlers either way, so the guest cannot tell which engine ran.
    /// </summary>
    public BlockTranslator? Translator { get; set; }

    /// <summary>
    /// The host engine for the blocks the style's <see cref="Translator"/> does not take (all of them when there is
    /// none): <see cref="ExecutionEngine.Translator"/> compiles hot blocks with a translator of its own that keeps every
    /// instruction, whose counters are the simulator's, not the guest's (Measure-VGuest does not show them).
    /// </summary>
    public ExecutionEngine Engine
    {
        get => HostTranslator != null ? ExecutionEngine.Translator : ExecutionEngine.Interpreter;
        set => HostTranslator = value == ExecutionEngine.Translator ? HostTranslator ?? new BlockTranslator() { CompileThreshold = HostCompileThreshold } : null;
    }

    /// <summary>Executions of a block before the host engine compiles it: the JIT's cost (a fraction of a millisecond)
    /// is repaid after a few thousand runs.</summary>
    public const int HostCompileThreshold = 2048;

    /// <summary>The host engine's translator (null under the interpreter).</summary>
    public BlockTranslator? HostTranslator { get; private set; }

    /// <summary>The longest block the decoder makes (a test seam: one-instruction blocks let single-instruction
    /// test vectors run translated).</summary>
    internal int MaxBlockInstructions { get => _decoded.MaxBlockInsns; set => _decoded.MaxBlockInsns = Math.Max(1, value); }

    /// <summary>The translation cache: live translated blocks made by the current <see cref="Translator"/>.</summary>
    public IEnumerable<TranslatedBlock> TranslatedBlocks =>
        _decoded.AllBlocks().Select(b => b.Translation).OfType<TranslatedBlock>().Where(t => t.Valid && ReferenceEquals(t.Owner, Translator));

    const string ExternalInterrupt = "external interrupt";

    /// <summary>Host work one call may do before it returns (in blocks), so callers can poll for Ctrl+C.</summary>
    const int MaxBlocksPerCall = 1 << 16;

    volatile bool _stopRequested;

    /// <summary>Asks a <see cref="Run(long, Trace.TraceKind)"/> in progress on another thread to return at its next block
    /// boundary (with <see cref="RunStop.Budget"/> and the guest consistent), so a user's stop is seen within one block
    /// whatever the style's speed. A request made between runs ends the next run before its first block.</summary>
    public void RequestStop() => _stopRequested = true;

    /// <summary>
    /// Runs until <paramref name="budget"/> instructions retire, HLT, or an unhandled exception. It may also
    /// return early with <see cref="RunStop.Budget"/> after a bounded amount of host work (so a guest that
    /// spins inside one long REP instruction cannot hold the caller); call again to continue.
    /// No .NET exception escapes: whatever the guest's bytes, the outcome is a guest event.
    /// </summary>
    public RunResult Run(long budget) => Run(budget, Trace.TraceKind.None);

    /// <summary>As <see cref="Run(long)"/>, and also returns <see cref="RunStop.Event"/> right after any event
    /// of the kinds in <paramref name="stopOn"/> (with the guest ready to continue).</summary>
    public unsafe RunResult Run(long budget, Trace.TraceKind stopOn)
    {
        Cpu.EnsureWired();
        Cpu.StopOn = stopOn;
        Cpu.EventStop = false;
        if (Halted) return new RunResult(0, RunStop.Halt);
        if (LastException != null) return new RunResult(0, LastException.Chain.Count > 0 ? RunStop.TripleFault : RunStop.Exception);
        var p = Cpu;
        long retired = 0;
        Block? blk = null;
        var apic = p.Apic;
        var pmu = p.Pmu;
        var translator = Translator;
        var host = HostTranslator;
        for (int blocks = 0; retired < budget && blocks < MaxBlocksPerCall; blocks++)
        {
            if (_stopRequested) { _stopRequested = false; return new RunResult(retired, RunStop.Budget); }
            // The interrupt window: between blocks, with RFLAGS.IF set, the local APIC's highest deliverable
            // request is taken through the IDT.
            if (apic.Deadline is { } due && p.Tsc >= due) apic.Expire();
            if (p.IF && p.IdtLoaded && apic.Deliverable() is int vector)
            {
                apic.Accept(vector);
                InterruptsDelivered++;
                var external = new GuestFault((ExceptionVector)vector, null, null, ExternalInterrupt);
                if (Raise(external, p.Ip, p.Ip, []) is { } tf) { LastException = tf; return new RunResult(retired, RunStop.TripleFault); }
                blk = null;
                if (p.EventStop) return new RunResult(retired, RunStop.Event);
            }
            ulong ip = p.Ip;
            Block next;
            long epoch = p.TranslationEpoch;
            if (blk != null && blk.Next1 is { } n1 && n1.Start == ip && n1.Valid && n1.Epoch == epoch) next = n1;
            else if (blk != null && blk.Next2 is { } n2 && n2.Start == ip && n2.Valid && n2.Epoch == epoch) next = n2;
            else
            {
                try { next = _decoded.Get(ip); }
                catch (Exception e) { return Stop(retired, Internal(e, ip)); }
                if (blk != null) { if (blk.Next1 == null || !blk.Next1.Valid) blk.Next1 = next; else blk.Next2 = next; }
            }
            blk = next;
            if (blk.Start >> 12 != p.ItlbPage) p.FetchTlb(blk.Start);   // decoded blocks bypass translation: one ITLB lookup per code page entered

            var insns = blk.Insns;
            int n = insns.Length;
            long room = budget - retired;
            if (apic.Deadline is { } next2) room = Math.Min(room, Math.Max(1, next2 - p.Tsc));   // stop where the timer fires
            // Blocks never span a privilege change, so the CPL at its start is the one every instruction of it
            // retires at; stop where the performance counter wraps.
            int cpl = p.Cpl;
            long pmcRoom = cpl == 0 ? pmu.OsRoom : pmu.UserRoom;
            if (pmcRoom < room) room = pmcRoom;
            int limit = n <= room ? n : (int)room;
            p.Ip = blk.FallThrough;
            TranslatedBlock? tb = null;
            // The style's translator takes the blocks its filter accepts; the host engine's, if any, takes the rest.
            var runner = translator != null && (translator.Filter == null || translator.Filter(p)) ? translator : host;
            if (runner != null)
            {
                // The common case inline: a compiled translation by this translator (For handles the rest).
                tb = blk.Translation;
                if (tb != null && tb.Code != null && ReferenceEquals(tb.Owner, runner)) runner.CacheHits++;
                else tb = runner.For(blk);
            }
            if (translator != null) translator.Running = ReferenceEquals(runner, translator) ? tb : null;
            int k = 0;
            // Instructions retired by the whole passes a compiled loop made before its last one (see CompiledBlock).
            int passes = 0;
            bool compiled = false;
            try
            {
                if (tb != null)
                {
                    // Compiled code runs whole blocks only; the translated form also runs what the budget or
                    // the timer cuts short, so callouts are made whichever way the block runs.
                    tb.Executions++;
                    if (limit == n && tb.Code != null)
                    {
                        compiled = true;
                        // A loop's passes count as blocks toward this call's share of work, so where a call ends (and
                        // the next starts, perhaps mid-block) does not depend on the engine.
                        k = tb.Code(p, Math.Min(room, (long)(MaxBlocksPerCall - blocks) * n));
                        if (k > n) { passes = (k - 1) / n; k -= passes * n; blocks += passes; }
                    }
                    else k = tb.Run(p, insns, limit);
                }
                else
                {
                    for (; k < limit; k++)
                    {
                        var ins = insns[k];
                        ins.Exec(p, ins);
                        if (p.CodeChanged) { k++; break; }
                    }
                }
            }
            catch (GuestFault f)
            {
                if (tb != null) { k = Math.Clamp(p.BlockIndex, 0, n - 1); passes = compiled ? p.BlockDone / n : 0; Passes(tb, passes); blocks += passes; }
                var ins = insns[k];
                p.Unretired = false;
                int before = passes * n;
                if (!p.IdtLoaded)
                {
                    // A bare program with no IDT: the exception stops the machine as a recorded guest event.
                    p.Ip = ins.Ip;
                    p.Retired += before + k;
                    if (pmu.Active) pmu.Retire(cpl, before + k);
                    if (tb != null) tb.Owner.Retire(tb, k, false, passes);
                    return Stop(retired + before + k, new GuestException(f.Vector, f.ErrorCode, ins.Ip, ins.Bytes, f.Address, f.Detail));
                }
                // A software interrupt is a trap: it retires and the handler returns after it. A fault does not.
                int done = before + (f.Software ? k + 1 : k);
                retired += done;
                p.Retired += done;
                if (pmu.Active) pmu.Retire(cpl, done);
                if (tb != null) { tb.Owner.Retire(tb, done - before, false, passes); if (translator != null) translator.Running = null; }
                if (Raise(f, f.Software ? ins.NextIp : ins.Ip, ins.Ip, ins.Bytes) is { } chain)
                {
                    p.Ip = ins.Ip;
                    LastException = chain;
                    return new RunResult(retired, RunStop.TripleFault);
                }
                p.CodeChanged = false;
                blk = null;
                if (p.EventStop) return new RunResult(retired, RunStop.Event);
                continue;
            }
            catch (Exception e)
            {
                if (tb != null) { k = Math.Clamp(p.BlockIndex, 0, n - 1); passes = compiled ? p.BlockDone / n : 0; }
                p.Ip = insns[k].Ip;
                return Stop(retired + passes * n + k, Internal(e, insns[k].Ip, insns[k].Bytes));
            }
            if (passes > 0)
            {
                // A compiled loop's earlier passes, each a whole run of the block.
                int before = passes * n;
                retired += before;
                p.Retired += before;
                if (pmu.Active) pmu.Retire(cpl, before);
                Passes(tb!, passes);
            }
            blk.Executions++;
            retired += k;
            p.Retired += k;
            if (tb != null) tb.Owner.Retire(tb, k, k == n, passes);
            if (k < n)
            {
                // Stopped inside the block: the budget ran out, the timer is due, or the block rewrote code
                // it depends on. The loop goes on from the next instruction unless the budget is spent.
                p.Ip = insns[k].Ip;
                p.CodeChanged = false;
                if (pmu.Active) pmu.Retire(cpl, k);
                blk = null;
                continue;
            }
            p.CodeChanged = false;
            if (p.Unretired) { retired--; p.Retired--; p.Unretired = false; k--; if (tb != null) tb.Owner.Unretire(tb); }
            if (pmu.Active) pmu.Retire(cpl, k);
            if (p.EventStop) return new RunResult(retired, RunStop.Event);
            if (p.Halted)
            {
                p.Halted = false;
                if (p.IF && p.IdtLoaded && apic.WakesFromHalt)
                {
                    // HLT waits for the interrupt: time passes to the timer's deadline, nothing retires.
                    if (apic.Deliverable() == null && apic.Deadline is { } wake && wake > p.Tsc)
                    {
                        p.IdleTicks += wake - p.Tsc;
                        p.TscOffset += wake - p.Tsc;
                    }
                    continue;
                }
                // Interrupts off, or nothing that could ever wake it: the machine stops.
                Halted = true;
                p.Report(Trace.TraceKind.Halt, insns[n - 1].Ip, p.Cpl);
                return new RunResult(retired, RunStop.Halt);
            }
        }
        return new RunResult(retired, RunStop.Budget);
    }

    /// <summary>The block counters of a compiled loop's whole passes before its last.</summary>
    static void Passes(TranslatedBlock tb, int passes)
    {
        tb.Executions += passes;
        tb.Block.Executions += passes;
    }

    /// <summary>
    /// Delivers an exception through the guest's IDT. A fault while delivering it is handled as the SDM's
    /// Table 6-5 says: serially, or as a double fault; a fault while delivering a double fault is a triple
    /// fault, which shuts the machine down. Returns the triple fault's record, or null once delivered.
    /// </summary>
    GuestException? Raise(GuestFault first, ulong returnRip, ulong atRip, byte[] atBytes)
    {
        var chain = new List<ExceptionVector> { first.Vector };
        var cur = first;
        while (true)
        {
            if (cur.Vector == ExceptionVector.PF && cur.Address is { } cr2) Cpu.Cr2 = cr2;
            try
            {
                int cpl = Cpu.Cpl;
                Cpu.Deliver(cur.Vector, cur.ErrorCode, returnRip, cur.Software);
                var kind = cur.Software ? Trace.TraceKind.Syscall
                    : ReferenceEquals(cur, first) && first.Detail == ExternalInterrupt ? Trace.TraceKind.Interrupt
                    : cur.Vector == ExceptionVector.PF ? Trace.TraceKind.PageFault : Trace.TraceKind.Exception;
                Cpu.Report(kind, atRip, cpl, (int)cur.Vector, cur.ErrorCode, cur.Vector == ExceptionVector.PF ? Cpu.Cr2 : null);
                if (cur.Software) Cpu.Ledger.Record(Trace.GuestEvent.SoftwareInterrupt);
                else if (ReferenceEquals(cur, first) && first.Detail == ExternalInterrupt) Cpu.Ledger.Record(Trace.GuestEvent.Interrupt);
                else Cpu.Ledger.Record(Trace.GuestEvent.Exception, (int)cur.Vector);
                // A device's interrupt was injected by the monitor (or posted by hardware) when the device raised it
                // (RaiseIrq): what remains is the IDT delivery itself (DeliveryKind.Device).
                bool device = kind == Trace.TraceKind.Interrupt && (int)cur.Vector - IrqVector is >= 0 and < 16 && (_deviceVectors >> ((int)cur.Vector - IrqVector) & 1) != 0;
                if (device) _deviceVectors &= ~(1 << ((int)cur.Vector - IrqVector));
                if (Cpu.Vmm is { } vmm)
                    vmm.OnDelivery(cur.Vector, device ? DeliveryKind.Device : cur.Software ? DeliveryKind.Software
                        : kind == Trace.TraceKind.Interrupt ? DeliveryKind.External : DeliveryKind.Exception, atRip);
                else if (device) Cpu.Ledger.Charge(Costs.CostEvent.ExceptionDelivery);
                return null;
            }
            catch (GuestFault next)
            {
                chain.Add(next.Vector);
                if (cur.Vector == ExceptionVector.DF || chain.Count > 8)
                    return new GuestException(ExceptionVector.DF, 0, atRip, atBytes, first.Address,
                        "triple fault: " + string.Join(" -> ", chain.Select(v => "#" + v)) + $" ({next.Detail})") { Chain = chain };
                // Faults during delivery are reported against the instruction that started it.
                returnRip = atRip;
                cur = Processor.IsDoubleFault(cur.Vector, next.Vector)
                    ? new GuestFault(ExceptionVector.DF, 0, null, "double fault")
                    : next;
            }
        }
    }

    /// <summary>Records how a run on another backend (KVM) left the guest, so the machine reads as halted or
    /// stopped just as if this loop had run it.</summary>
    internal void MirrorStop(bool halted, GuestException? exception) { Halted = halted; LastException = exception; }

    RunResult Stop(long retired, GuestException e)
    {
        LastException = e;
        return new RunResult(retired, RunStop.Exception);
    }

    /// <summary>An engine defect met while running guest code: reported as a machine check, never thrown.</summary>
    static GuestException Internal(Exception e, ulong ip, byte[]? bytes = null) =>
        new(ExceptionVector.MC, null, ip, bytes ?? [], null, $"internal engine error: {e.GetType().Name}: {e.Message}");
}
