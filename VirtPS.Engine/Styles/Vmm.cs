using VirtPS.Engine.Costs;
using VirtPS.Engine.Cpu;
using VirtPS.Engine.Guests;

namespace VirtPS.Engine.Styles;

/// <summary>
/// The layer between a guest and the machine: one subclass per virtualization style. The processor keeps
/// the state the guest sees (its CR0, CR3, IDT, IF, ...: the virtual CPU); the VMM is entered exactly where a
/// real monitor would gain control — a sensitive instruction, an exception or interrupt, a shadow page-table
/// fault — and there it decides, as its style does, who handles the event and what that costs. Costs are
/// primitive events counted in <see cref="Counts"/>; cycles are those counts times a cost model, never a
/// number written here.
/// </summary>
public abstract unsafe class Vmm
{
    readonly List<FidelityViolation> _violations = [];

    protected Vmm(Machine machine)
    {
        Machine = machine;
        Cpu = machine.Cpu;
        Cpu.Vmm = this;
    }

    public Machine Machine { get; }
    internal Processor Cpu { get; }
    public abstract VirtualizationStyle Style { get; }
    /// <summary>Type 1 runs on the bare machine; Type 2 (hosted) keeps its device models in the host OS, so
    /// every device access it intercepts costs a world switch to the host and back.</summary>
    public HypervisorType HostType => HostSource?.Invoke()?.Type ?? HypervisorType.Type1;
    /// <summary>How the host's TLBs tag guests' entries; a guest on no host (an engine-level run) has no tags, as
    /// first-generation VT-x had none.</summary>
    public TlbTagging TlbTagging => HostSource?.Invoke()?.TlbTagging ?? TlbTagging.None;
    /// <summary>Where the host's type comes from once the guest is placed on a host (a host can change type).</summary>
    internal Func<VHost?>? HostSource { get; set; }
    /// <summary>Primitive events caused so far, apart from plain instructions (see <see cref="Ledger"/>).</summary>
    public EventCounts Counts { get; } = new();
    /// <summary>Sensitive unprivileged instructions that silently gave the guest a wrong result.</summary>
    public IReadOnlyList<FidelityViolation> Violations => _violations;
    /// <summary>The shadow page tables, for the styles that keep them.</summary>
    public Memory.ShadowPageTables? Shadow { get; protected set; }
    /// <summary>The extended page tables, for a hardware-assisted VMM that uses nested paging.</summary>
    public Memory.ExtendedPageTables? Ept { get; protected set; }

    /// <summary>An EPT violation or misconfiguration stopped a guest access: the VMM takes the VM exit and
    /// fixes what it can (maps the frame, rebuilds a bad entry); false if the access cannot be made to succeed.</summary>
    internal virtual bool OnEptExit(in Memory.EptFault fault) => false;

    /// <summary>Called for each decoded instruction: sensitive ones are routed through the VMM.</summary>
    internal void Prepare(Insn i)
    {
        var op = SensitiveOps.Classify(i.Decoded);
        if (op == SensitiveOp.None) return;
        i.Sensitive = op;
        i.Native = i.Exec;
        i.Exec = &Enter;
    }

    static void Enter(Processor p, Insn i) => p.Vmm!.Intercept(p, i);

    /// <summary>Runs a sensitive instruction the way this style does, counting what it costs.</summary>
    internal abstract void Intercept(Processor p, Insn i);

    /// <summary>The instruction's own semantics, as the bare CPU runs them (or as a VMM's emulator runs them
    /// on the virtual CPU: the engine's semantics are the SDM's, so emulation gives the same result).</summary>
    private protected static void Execute(Processor p, Insn i) => i.Native(p, i);

    /// <summary>The bare-machine price of a sensitive instruction that ran directly on the CPU.</summary>
    private protected void CountHardware(Processor p, Insn i)
    {
        switch (i.Sensitive)
        {
            case SensitiveOp.Syscall: Counts.Add(CostEvent.Syscall); break;
            case SensitiveOp.Sysret: Counts.Add(CostEvent.Sysret); break;
            case SensitiveOp.Iret: Counts.Add(CostEvent.Iret); break;
            case SensitiveOp.MovToCr when i.Op == 8: Counts.Add(CostEvent.Cr8Write); break;
            case SensitiveOp.MovToCr when i.Op == 3: Counts.Add(CostEvent.Cr3Load); break;
            case SensitiveOp.Invlpg: Counts.Add(CostEvent.Invlpg); break;
            case SensitiveOp.Cpuid: Counts.Add(CostEvent.Cpuid); break;
            case SensitiveOp.Rdmsr or SensitiveOp.Wrmsr: Counts.Add(CostEvent.MsrAccess); break;
            case SensitiveOp.PortIo: Counts.Add(CostEvent.PortAccess); break;
        }
    }

    /// <summary>The VMM's device model handles an IN or OUT it intercepted (in the host, for a hosted VMM).</summary>
    private protected void EmulateDevice()
    {
        Counts.Add(CostEvent.DeviceEmulation);
        if (HostType == HypervisorType.Type2) Counts.Add(CostEvent.WorldSwitch);
    }

    /// <summary>An exception or interrupt is about to go through the guest's IDT. The bare machine's price is
    /// the hardware delivery; a monitor that takes the event first adds its own.</summary>
    internal virtual void OnDelivery(ExceptionVector vector, DeliveryKind kind, ulong rip) => Counts.Add(CostEvent.ExceptionDelivery);

    /// <summary>For a monitor that set <see cref="Processor.VmmDelivers"/>: delivers the event to the guest
    /// kernel itself (the IDT is not read). Throws <see cref="GuestFault"/> as IDT delivery would.</summary>
    internal virtual void Bounce(ExceptionVector vector, ulong? errorCode, ulong returnRip, bool software) =>
        throw new InvalidOperationException("this monitor delivers through the IDT");

    /// <summary>Every primitive event of the run so far: the VMM's counts plus the instructions, priced as this
    /// style runs them (natively, interpreted or translated).</summary>
    public virtual EventCounts Ledger()
    {
        var l = Counts.Snapshot();
        l.Add(CostEvent.Instruction, Cpu.Retired);
        l.Add(CostEvent.NearCall, Cpu.NearCalls);
        l.Add(CostEvent.NearReturn, Cpu.NearReturns);
        if (Shadow is { } s) l.Add(CostEvent.ShadowUpdate, s.Fills + s.Zaps);
        // Walks the TLB's misses made (with the TLB model off walks only refill host caches, and are not priced).
        l.Add(CostEvent.PageWalkReference, Cpu.TlbMissReferences);
        return l;
    }

    /// <summary>The styles that can run guests.</summary>
    public static IReadOnlyList<VirtualizationStyle> Available { get; } =
        [VirtualizationStyle.Native, VirtualizationStyle.Emulation, VirtualizationStyle.TrapAndEmulate, VirtualizationStyle.BinaryTranslation,
         VirtualizationStyle.HardwareAssisted, VirtualizationStyle.Paravirtual];

    /// <summary>The monitor for <paramref name="style"/>, attached to <paramref name="machine"/>.</summary>
    internal static Vmm For(VirtualizationStyle style, Machine machine, MemoryVirtualization? paging = null) => style switch
    {
        VirtualizationStyle.Native => new Native(machine),
        VirtualizationStyle.Emulation => new Emulation(machine),
        VirtualizationStyle.TrapAndEmulate => new TrapAndEmulate(machine),
        VirtualizationStyle.BinaryTranslation => new BinaryTranslation(machine),
        VirtualizationStyle.HardwareAssisted => new HardwareAssisted(machine, paging ?? MemoryVirtualization.Nested),
        VirtualizationStyle.Paravirtual => new Paravirtual(machine),
        _ => throw Unavailable(style),
    };

    internal static VirtPSException Unavailable(VirtualizationStyle style) =>
        new("UnsupportedStyle", ErrorKind.InvalidArgument,
            $"Style '{style}' is not available yet; use one of: {string.Join(", ", Available)}.", style);

    // ---- shadow paging, for the styles that virtualize memory with it ----

    private protected void UseShadowPaging() =>
        Shadow = new Memory.ShadowPageTables(Machine.Memory) { Fault = OnShadowFault, Invalidated = Cpu.InvalidateTlbAll, PageInvalidated = Cpu.ShadowPageInvalidated };

    /// <summary>How a shadow fault reaches this monitor: a VM exit, a trap.</summary>
    private protected virtual void EnterForShadowFault(Memory.ShadowFaultKind kind, ulong la) { }

    void OnShadowFault(Memory.ShadowFaultKind kind, ulong la)
    {
        if (kind == Memory.ShadowFaultKind.True) return;   // priced when the #PF is reflected (OnDelivery)
        EnterForShadowFault(kind, la);
        bool tracing = kind == Memory.ShadowFaultKind.Tracing;
        Cpu.Report(Trace.TraceKind.HiddenPageFault, Cpu.Ip, tracing ? "guest page-table write emulated" : "shadow entry filled", 14, null, la);
        if (tracing) Counts.Add(CostEvent.EmulateInstruction);
    }

    /// <summary>After the monitor emulated a paging instruction: keeps the shadow in step with the guest
    /// (CR0/CR4 change how tables are read, INVLPG and INVPCID drop translations).</summary>
    private protected void KeepShadowCoherent(Processor p, Insn i)
    {
        if (Shadow is not { } s) return;
        switch (i.Sensitive)
        {
            case SensitiveOp.MovToCr when i.Op is 0 or 4: s.Reset(); break;
            case SensitiveOp.Invlpg: s.Invalidate(p.Cr3, i.Ea(p)); break;
            case SensitiveOp.Invpcid: s.Reset(); break;
        }
    }

    private protected void Violation(Processor p, Insn i, string got, string expected)
    {
        var v = new FidelityViolation(Asm.Disassembler.Format(i.Decoded), i.Ip, p.Retired, got, expected);
        _violations.Add(v);
        p.Report(Trace.TraceKind.FidelityViolation, i.Ip, $"{v.Instruction}: got {got}, CPL 0 gives {expected}");
    }
}

