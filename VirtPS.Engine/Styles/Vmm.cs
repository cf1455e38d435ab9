using VirtPS.Engine.Costs;
using VirtPS.Engine.Cpu;
using VirtPS.Engine.Memory;
using VirtPS.Engine.Trace;

namespace VirtPS.Engine.Styles;

/// <summary>
/// The layer between a guest and the machine: one subclass per virtualization style. The processor keeps
/// the state the guest sees (its CR0, CR3, IDT, IF, ...: the virtual CPU); the VMM is entered exactly where a
/// real monitor would gain control — a sensitive instruction, an exception or interrupt, a shadow page-table
/// fault — and there it decides, as its style does, who handles the event and what that costs. What it does goes
/// into the guest's one <see cref="EventLedger"/> as typed events; cycles are the primitive events they are priced as
/// times a cost model, never a number written here. It owns its guest's MMU (<see cref="Mmu"/>).
/// </summary>
public abstract unsafe class Vmm : IVmm
{
    protected Vmm(Machine machine, Func<Machine, IGuestMmu>? mmu = null)
    {
        Machine = machine;
        Cpu = machine.Cpu;
        Cpu.Vmm = this;
        Mmu = mmu?.Invoke(machine) ?? new NativeMmu(machine.Memory);
        Cpu.Mmu = Mmu;
        if (Mmu is ShadowMmu shadow) WireShadow(shadow.Tables);
    }

    void IVmm.Prepare(Insn i) => Prepare(i);
    void IVmm.Intercept(Processor p, Insn i) => Intercept(p, i);
    void IVmm.OnDelivery(ExceptionVector vector, DeliveryKind kind, ulong rip) => OnDelivery(vector, kind, rip);
    void IVmm.OnDeviceInterrupt(int irq, bool posted) => OnDeviceInterrupt(irq, posted);
    void IVmm.Bounce(ExceptionVector vector, ulong? errorCode, ulong returnRip, bool software) => Bounce(vector, errorCode, returnRip, software);

    public Machine Machine { get; }
    internal Processor Cpu { get; }
    public abstract VirtualizationStyle Style { get; }
    /// <summary>Type 1 runs on the bare machine; Type 2 (hosted) keeps its device models in the host OS, so
    /// every device access it intercepts costs a world switch to the host and back.</summary>
    public HypervisorType HostType => HostSource?.Invoke().Type ?? HypervisorType.Type1;
    /// <summary>How the host's TLBs tag guests' entries; a guest on no host (an engine-level run) has no tags, as
    /// first-generation VT-x had none.</summary>
    public TlbTagging TlbTagging => HostSource?.Invoke().Tagging ?? TlbTagging.None;
    /// <summary>Where the host's type and tagging come from once the guest is placed on a host (a host can change them).</summary>
    internal Func<(HypervisorType Type, TlbTagging Tagging)>? HostSource { get; set; }
    /// <summary>Where the VMM's warnings and notes go while the guest runs (null: nowhere).</summary>
    public IEngineDiagnostics? Diagnostics { get; set; }
    /// <summary>The guest's one record of events: what this VMM and the processor did.</summary>
    public EventLedger Events => Cpu.Ledger;
    /// <summary>Sensitive unprivileged instructions that silently gave the guest a wrong result.</summary>
    public IReadOnlyList<FidelityViolation> Violations => Events.Violations;
    /// <summary>The guest's MMU: how this VMM virtualizes memory.</summary>
    public IGuestMmu Mmu { get; }
    /// <summary>How this VMM virtualizes memory.</summary>
    public MemoryVirtualization Paging => Mmu.Kind;

    /// <summary>Called for each decoded instruction: sensitive ones are routed through the VMM.</summary>
    internal virtual void Prepare(Insn i)
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
            case SensitiveOp.Syscall: Events.Charge(CostEvent.Syscall); break;
            case SensitiveOp.Sysret: Events.Charge(CostEvent.Sysret); break;
            case SensitiveOp.Iret: Events.Charge(CostEvent.Iret); break;
            case SensitiveOp.MovToCr when i.Op == 8: Events.Charge(CostEvent.Cr8Write); break;
            case SensitiveOp.MovToCr when i.Op == 3: Events.Charge(CostEvent.Cr3Load); break;
            case SensitiveOp.Invlpg: Events.Charge(CostEvent.Invlpg); break;
            case SensitiveOp.Cpuid: Events.Charge(CostEvent.Cpuid); break;
            case SensitiveOp.Rdmsr or SensitiveOp.Wrmsr: Events.Charge(CostEvent.MsrAccess); break;
            case SensitiveOp.PortIo:
            {
                // No VMM was involved: the access reached the device directly. A PCI function's IO BAR is reached over
                // PCI Express; the rest are the legacy bus's ports.
                var device = DeviceAt?.Invoke(PortOf(p, i));
                if (device != null) device.Counters.DirectAccesses++;
                Events.Charge(device is { PciSlot: >= 0 } ? CostEvent.PciIoAccess : CostEvent.PortAccess);
                break;
            }
        }
    }

    /// <summary>The guest's device that decodes a port, if any (set by the guest that owns the devices).</summary>
    internal Func<ushort, Io.GuestDevice?>? DeviceAt { get; set; }

    /// <summary>Where device backends run: the host's driver model (<c>VHost.IoModel</c>); a guest on no host has no host OS
    /// and no service domain, so its backends are the hypervisor's own.</summary>
    public IoModel IoModel => IoModelSource?.Invoke() ?? IoModel.Autonomous;
    internal Func<IoModel?>? IoModelSource { get; set; }

    /// <summary>
    /// The VMM handles an IN or OUT it intercepted, entered as <paramref name="how"/> (its exit, trap or callout). For a
    /// virtual device the backend serves it where the driver model puts backends: in the hypervisor (Autonomous), in the
    /// service domain (Hybrid: a domain switch there and back) or in the host OS (Hosted: a world switch there and back).
    /// An assigned device's port is only forwarded: its registers are the real device's, with no model behind them.
    /// </summary>
    private protected void EmulateDevice(ushort port, string how)
    {
        var device = DeviceAt?.Invoke(port);
        device?.Counters.Intercepted(how);
        if (device?.Mode == Io.IoMode.Passthrough) return;
        Events.Record(GuestEvent.DeviceEmulation);
        switch (IoModel)
        {
            case IoModel.Hybrid:
                Events.Record(GuestEvent.DomainSwitch);
                if (device != null) device.Counters.DomainSwitches++;
                break;
            case IoModel.Hosted:
                Events.Record(GuestEvent.WorldSwitch, EventLedger.HostOs);
                if (device != null) device.Counters.WorldSwitches++;
                break;
        }
    }

    /// <summary>The port an IN, OUT, INS or OUTS addresses: its immediate, else DX.</summary>
    private protected static ushort PortOf(Processor p, Insn i) =>
        (ushort)(i.Decoded.Op0Kind == Iced.Intel.OpKind.Immediate8 || i.Decoded.Op1Kind == Iced.Intel.OpKind.Immediate8 ? i.Imm : p.R[(int)Gpr.Rdx]);

    /// <summary>A device raised an interrupt. A monitor injects a virtual device's interrupt at its next entry to the guest;
    /// an assigned device's interrupt is remapped by the IOMMU and posted to the vCPU by hardware (VT-d posted interrupts),
    /// with no monitor involved. On the bare machine (<see cref="Native"/>) there is no monitor either.</summary>
    private protected virtual void OnDeviceInterrupt(int irq, bool posted) =>
        Events.Record(posted ? GuestEvent.PostedInterrupt : GuestEvent.Injection, irq);

    /// <summary>An exception or interrupt is about to go through the guest's IDT. The bare machine's price is
    /// the hardware delivery; a monitor that takes the event first adds its own. A device's interrupt
    /// (<see cref="DeliveryKind.Device"/>) was already injected or posted when raised: only the delivery is left.</summary>
    internal virtual void OnDelivery(ExceptionVector vector, DeliveryKind kind, ulong rip) => Events.Charge(CostEvent.ExceptionDelivery);

    /// <summary>For a monitor that set <see cref="Processor.VmmDelivers"/>: delivers the event to the guest
    /// kernel itself (the IDT is not read). Throws <see cref="GuestFault"/> as IDT delivery would.</summary>
    internal virtual void Bounce(ExceptionVector vector, ulong? errorCode, ulong returnRip, bool software) =>
        throw new InvalidOperationException("this monitor delivers through the IDT");

    /// <summary>Every primitive event of the run so far: the VMM's counts plus the instructions, priced as this
    /// style runs them (natively, interpreted or translated).</summary>
    public virtual EventCounts Ledger()
    {
        var l = Events.Costs.Snapshot();
        l.Add(CostEvent.Instruction, Cpu.Retired);
        l.Add(CostEvent.NearCall, Cpu.NearCalls);
        l.Add(CostEvent.NearReturn, Cpu.NearReturns);
        if (Shadow is { } s) l.Add(CostEvent.ShadowUpdate, s.Fills + s.Zaps);
        // Walks the TLB's misses made (with the TLB model off walks only refill host caches, and are not priced).
        l.Add(CostEvent.PageWalkReference, Cpu.TlbMissReferences);
        return l;
    }

    /// <summary>The live blocks of this monitor's translation cache, in address order; null for a monitor that keeps none
    /// (only binary translation translates the guest's code).</summary>
    public virtual IEnumerable<TranslatedBlock>? TranslationCache => null;

    /// <summary>Whether this monitor has VM-execution controls that decide what exits (hardware-assisted only).</summary>
    public virtual bool HasExitControls => false;

    /// <summary>Changes which events exit, by exit reason, as a VMM sets its VMCS controls (see
    /// <see cref="HardwareAssisted.SetExits"/>); a monitor without exit controls refuses (NotHardwareAssisted).</summary>
    public virtual void SetExits(IReadOnlyCollection<ExitReason> on, IReadOnlyCollection<ExitReason> off) =>
        throw new VirtPSException(ErrorIds.NotHardwareAssisted, ErrorKind.InvalidOperation,
            $"This guest runs under {Style}; exit controls exist only for HardwareAssisted guests.", Style);

    /// <summary>The styles that can run guests.</summary>
    public static IReadOnlyList<VirtualizationStyle> Available { get; } =
        [VirtualizationStyle.Native, VirtualizationStyle.Emulation, VirtualizationStyle.TrapAndEmulate, VirtualizationStyle.BinaryTranslation,
         VirtualizationStyle.HardwareAssisted, VirtualizationStyle.Paravirtual, VirtualizationStyle.Library, VirtualizationStyle.Application];

    /// <summary>Whether <paramref name="style"/> runs machine code (the built-in workloads, programs, bare images); an
    /// Application guest runs class files only.</summary>
    public static bool RunsMachineCode(VirtualizationStyle style) => style != VirtualizationStyle.Application;

    /// <summary>The styles that run the built-in kernel's workloads (Compare-VStyle's default set): all but Library, whose
    /// guests run a Windows executable, and Application, whose guests run class files.</summary>
    public static IReadOnlyList<VirtualizationStyle> WorkloadStyles { get; } =
        [.. Available.Where(s => s != VirtualizationStyle.Library && RunsMachineCode(s))];

    /// <summary>LibraryNeedsPe: a Library guest runs a PE, not a built-in workload or bare code.</summary>
    internal static VirtPSException NeedsPe(VirtualizationStyle style) =>
        new(ErrorIds.LibraryNeedsPe, ErrorKind.InvalidArgument,
            "-Style Library runs a Windows x86-64 executable (New-VGuest -Style Library -Path app.exe, or -Bytes), not a built-in workload or bare code; compare workloads under " + string.Join(", ", WorkloadStyles) + ".", style);

    /// <summary>The monitor for <paramref name="style"/>, attached to <paramref name="machine"/>.</summary>
    internal static Vmm For(VirtualizationStyle style, Machine machine, MemoryVirtualization? paging = null) => style switch
    {
        VirtualizationStyle.Native => new Native(machine),
        VirtualizationStyle.Emulation => new Emulation(machine),
        VirtualizationStyle.TrapAndEmulate => new TrapAndEmulate(machine),
        VirtualizationStyle.BinaryTranslation => new BinaryTranslation(machine),
        VirtualizationStyle.HardwareAssisted => new HardwareAssisted(machine, paging ?? HardwareAssisted.DefaultPaging),
        VirtualizationStyle.Paravirtual => new Paravirtual(machine),
        VirtualizationStyle.Application => new Application(machine),
        VirtualizationStyle.Library => new Library(machine),
        _ => throw Unavailable(style),
    };

    internal static VirtPSException Unavailable(VirtualizationStyle style) =>
        new(ErrorIds.UnsupportedStyle, ErrorKind.InvalidArgument,
            $"Style '{style}' is not available yet; use one of: {string.Join(", ", Available)}.", style);

    // ---- shadow paging, for the styles that virtualize memory with it ----

    /// <summary>The shadow page tables, for the styles that keep them (null otherwise).</summary>
    private protected ShadowPageTables? Shadow { get; private set; }

    /// <summary>The MMU of a style that virtualizes memory with shadow page tables (see the constructors).</summary>
    private protected static Func<Machine, IGuestMmu> ShadowPaging => m => new ShadowMmu(m.Memory, new ShadowPageTables(m.Memory));

    /// <summary>Wires the shadow tables to this monitor and its processor: faults into the VMM's accounting, drops into the TLB.</summary>
    void WireShadow(ShadowPageTables tables)
    {
        Shadow = tables;
        Shadow.Fault = OnShadowFault;
        Shadow.Invalidated = Cpu.InvalidateTlbAll;
        Shadow.PageInvalidated = Cpu.ShadowPageInvalidated;
        Shadow.FloodUnprotected = frame => Diagnostics?.Verbose(
            $"{Style}: guest frame 0x{frame << 12:X} was written {ShadowPageTables.FloodWrites} times with no walk through it; the VMM stops treating it as a page table (write-flood detection).");
    }

    /// <summary>How a shadow fault reaches this monitor: a VM exit, a trap.</summary>
    private protected virtual void EnterForShadowFault(ShadowFaultKind kind, ulong la) { }

    void OnShadowFault(ShadowFaultKind kind, ulong la)
    {
        if (kind == ShadowFaultKind.True) { Events.Record(GuestEvent.TruePageFault); return; }   // priced when the #PF is reflected (OnDelivery)
        EnterForShadowFault(kind, la);
        bool tracing = kind == ShadowFaultKind.Tracing;
        Events.Record(tracing ? GuestEvent.TracingPageFault : GuestEvent.HiddenPageFault, TraceKind.HiddenPageFault, Cpu.Ip,
            tracing ? "guest page-table write emulated" : "shadow entry filled", 14, null, la);
        if (tracing) Events.Record(GuestEvent.Emulation);
    }

    /// <summary>After the monitor emulated a paging instruction: keeps its MMU in step with the guest (CR0/CR4 change
    /// how tables are read, INVLPG and INVPCID drop translations).</summary>
    private protected void KeepMmuCoherent(Processor p, Insn i)
    {
        switch (i.Sensitive)
        {
            case SensitiveOp.MovToCr when i.Op is 0 or 4: Mmu.Invalidate(MmuInvalidation.PagingControls, p.Cr3, 0); break;
            case SensitiveOp.Invlpg: Mmu.Invalidate(MmuInvalidation.Page, p.Cr3, i.Ea(p)); break;
            case SensitiveOp.Invpcid: Mmu.Invalidate(MmuInvalidation.Pcid, p.Cr3, 0); break;
        }
    }

    private protected void Violation(Processor p, Insn i, string got, string expected)
    {
        Events.Record(new FidelityViolation(Asm.Disassembler.Format(i.Decoded), i.Ip, p.Retired, got, expected));
    }
}

