namespace VirtPS.Engine.Cpu;

/// <summary>The processor's system state: control registers, EFER, descriptor tables, selectors, MSRs.</summary>
public sealed partial class Processor
{
    // CR0 bits (SDM Vol. 3A, 2.5)
    internal const ulong Cr0PE = 1, Cr0MP = 2, Cr0EM = 4, Cr0TS = 8, Cr0ET = 0x10, Cr0NE = 0x20,
        Cr0WP = 1UL << 16, Cr0AM = 1UL << 18, Cr0NW = 1UL << 29, Cr0CD = 1UL << 30, Cr0PG = 1UL << 31;
    // CR4 bits
    internal const ulong Cr4TSD = 1UL << 2, Cr4PAE = 1UL << 5, Cr4PGE = 1UL << 7, Cr4UMIP = 1UL << 11,
        Cr4FSGSBASE = 1UL << 16, Cr4PCIDE = 1UL << 17, Cr4SMEP = 1UL << 20, Cr4SMAP = 1UL << 21;
    /// <summary>CR4 bits this processor lets software set (the rest are reserved: #GP).</summary>
    internal const ulong Cr4Writable = 0x7F | (1UL << 7) | (1UL << 8) | (1UL << 9) | (1UL << 10) | Cr4UMIP
        | Cr4FSGSBASE | Cr4PCIDE | Cr4SMEP | Cr4SMAP;
    // EFER bits (SDM Vol. 4, Table 2-2)
    internal const ulong EferSCE = 1, EferLME = 1UL << 8, EferLMA = 1UL << 10, EferNXE = 1UL << 11;

    /// <summary>Physical-address width reported by CPUID 0x80000008 and enforced on CR3.</summary>
    internal const int MaxPhysAddr = 39;

    /// <summary>The loader's state: long mode with paging on, as Firecracker hands a kernel over.</summary>
    public ulong Cr0 { get; internal set; } = Cr0PE | Cr0ET | Cr0NE | Cr0WP | Cr0PG;
    public ulong Cr2 { get; internal set; }
    public ulong Cr3 { get; internal set; }
    public ulong Cr4 { get; internal set; } = Cr4PAE;
    /// <summary>CR8: the task-priority register's priority class, an alias of the local APIC's TPR[7:4].</summary>
    public ulong Cr8 { get => Apic.Tpr >> 4; internal set => Apic.Tpr = (uint)(value << 4); }

    /// <summary>The local APIC (x2APIC mode) and the IO-port bus this processor reaches.</summary>
    public LocalApic Apic { get; } = new();
    /// <summary>The performance-monitoring counters, which interrupt through <see cref="Apic"/>.</summary>
    public PerformanceMonitoring Pmu { get; }
    public VirtPS.Engine.Io.PortBus Ports { get; } = new();
    internal uint TrLimit;
    /// <summary>Receives trace events as they happen (null: tracing off, nothing is built).</summary>
    public Action<Trace.TraceEvent>? Tracer { get; set; }
    /// <summary>Event kinds that end the current run after the event (see <see cref="Machine.Run"/>).</summary>
    internal Trace.TraceKind StopOn;
    internal bool EventStop;
    /// <summary>The event kind that ended the last run, when it ended with <see cref="RunStop.Event"/>.</summary>
    public Trace.TraceKind StoppedOn { get; internal set; }

    /// <summary>Reports an event to the tracer and requests a stop if the run wants to stop on it.</summary>
    internal void Report(Trace.TraceKind kind, ulong rip, int cpl, int? vector = null, ulong? errorCode = null, ulong? cr2 = null)
    {
        Tracer?.Invoke(new Trace.TraceEvent(Retired, kind, rip, cpl, vector, errorCode, cr2, Cr3));
        if ((StopOn & kind) != 0 && !EventStop) { EventStop = true; StoppedOn = kind; }
    }

    /// <summary>Reports a virtualization event (VMM entry, fidelity violation, hidden fault) with its detail.</summary>
    internal void Report(Trace.TraceKind kind, ulong rip, string detail, int? vector = null, ulong? qualification = null, ulong? cr2 = null)
    {
        Tracer?.Invoke(new Trace.TraceEvent(Retired, kind, rip, Cpl, vector, null, cr2, Cr3) { Detail = detail, Qualification = qualification });
        if ((StopOn & kind) != 0 && !EventStop) { EventStop = true; StoppedOn = kind; }
    }

    /// <summary>The virtual machine monitor this processor's guest runs under (null: a bare machine with no
    /// style at all, as engine tests use it).</summary>
    internal IVmm? Vmm;

    /// <summary>The guest's MMU, which the processor calls on a TLB miss (the bare machine's until a VMM sets its own).</summary>
    public Memory.IGuestMmu Mmu
    {
        get => _mmu;
        internal set { _mmu = value; _softTlb = value.SoftTlb; _walksGuestTables = value.HardwareWalksGuestTables; }
    }
    Memory.IGuestMmu _mmu = null!;
    // What the hot paths ask of the MMU, read once when it is set (it never changes).
    Memory.SoftTlb? _softTlb;
    bool _walksGuestTables = true;

    /// <summary>The one record of what this processor and its VMM did: architectural events, VMM events, their
    /// primitive costs; the trace is written from it as events are recorded.</summary>
    public Trace.EventLedger Ledger { get; }
    /// <summary>The architectural events in <see cref="Ledger"/>.</summary>
    public MachineEvents Events { get; }
    /// <summary>TSC ticks spent halted, waiting for an interrupt.</summary>
    public long IdleTicks { get; internal set; }

    internal long Tsc => Retired + TscOffset;
    public ulong Efer { get; internal set; } = EferLME | EferLMA | EferNXE;

    public TableRegister Gdtr { get; internal set; }
    public TableRegister Idtr { get; internal set; }
    public ushort Ldtr { get; internal set; }
    public ushort Tr { get; internal set; }
    internal ulong TrBase;

    /// <summary>Segment selectors. In 64-bit mode only CS's RPL (the CPL) and FS/GS bases matter.</summary>
    public ushort Cs
    {
        get => _cs;
        internal set
        {
            // The way into user mode: a run that asked to stop there ends after this instruction's block (it ends here).
            if ((value & 3) == 3 && (_cs & 3) != 3 && (StopOn & Trace.TraceKind.UserEntry) != 0 && !EventStop)
            { EventStop = true; StoppedOn = Trace.TraceKind.UserEntry; }
            _cs = value;
            SelectHostPages(value);
        }
    }
    ushort _cs = 0x08;
    public ushort Ss { get; internal set; } = 0x10;
    public ushort Ds { get; internal set; }
    public ushort Es { get; internal set; }
    public ushort Fs { get; internal set; }
    public ushort Gs { get; internal set; }

    internal ulong Star, Lstar, Cstar, Fmask, KernelGsBase, TscAux, ApicBaseMsr = 0xFEE0_0000 | (1 << 11) | (1 << 8);

    /// <summary>Instructions retired over the processor's life (kept by the run loop, at block ends).</summary>
    public long Retired { get; internal set; }
    /// <summary>Near CALLs and RETs executed (priced beyond a plain instruction: they use the return stack).</summary>
    public long NearCalls, NearReturns;
    /// <summary>Added to the instruction count to form the TSC (a WRMSR to the TSC sets it).</summary>
    internal long TscOffset;

    internal void RequireCpl0()
    {
        if (Cpl != 0) throw new GuestFault(ExceptionVector.GP, 0, null, "privileged instruction at CPL " + Cpl);
    }

    internal static bool Canonical(ulong la) => (ulong)(((long)la << 16) >> 16) == la;

    /// <summary>RDMSR: the value of <paramref name="index"/>, or #GP(0) for an MSR this processor lacks.</summary>
    bool X2Apic => (ApicBaseMsr & (3UL << 10)) == 3UL << 10;

    /// <param name="inBlock">The accessing instruction's index in the running block (the PMU counts the ones before it).</param>
    internal ulong ReadMsr(uint index, long tsc, int inBlock = 0) => Apic.Handles(index)
        ? (X2Apic ? Apic.Read(index, tsc) : throw new GuestFault(ExceptionVector.GP, 0, null, "x2APIC MSRs need IA32_APIC_BASE.EXTD and EN"))
        : PerformanceMonitoring.Handles(index) ? Pmu.Read(index, Cpl, inBlock)
        : (Msr)index switch
    {
        Msr.Tsc => (ulong)tsc,
        Msr.ApicBase => ApicBaseMsr,
        Msr.Efer => Efer,
        Msr.Star => Star,
        Msr.Lstar => Lstar,
        Msr.Cstar => Cstar,
        Msr.Fmask => Fmask,
        Msr.FsBase => FsBase,
        Msr.GsBase => GsBase,
        Msr.KernelGsBase => KernelGsBase,
        Msr.TscAux => TscAux,
        _ => throw new GuestFault(ExceptionVector.GP, 0, null, $"RDMSR of unknown MSR 0x{index:X}"),
    };

    /// <summary>WRMSR, with the SDM's #GP(0) for unknown MSRs, reserved bits and non-canonical addresses.</summary>
    internal void WriteMsr(uint index, ulong v, long tsc, int inBlock = 0)
    {
        void Canon() { if (!Canonical(v)) throw new GuestFault(ExceptionVector.GP, 0, null, $"non-canonical value 0x{v:X} for MSR 0x{index:X}"); }
        if (Apic.Handles(index))
        {
            if (!X2Apic) throw new GuestFault(ExceptionVector.GP, 0, null, "x2APIC MSRs need IA32_APIC_BASE.EXTD and EN");
            Apic.Write(index, v, tsc);
            return;
        }
        if (PerformanceMonitoring.Handles(index)) { Pmu.Write(index, v, Cpl, inBlock); return; }
        switch ((Msr)index)
        {
            case Msr.Tsc: TscOffset += (long)v - tsc; break;
            case Msr.ApicBase:
                if ((v & 0x2FF) != 0 || v >> MaxPhysAddr != 0)   // bits 7:0 and 9 reserved
                    throw new GuestFault(ExceptionVector.GP, 0, null, "reserved APIC base bits");
                ApicBaseMsr = v; break;
            case Msr.Efer:
                if ((v & ~(EferSCE | EferLME | EferLMA | EferNXE)) != 0 || (v & EferLME) == 0)
                    throw new GuestFault(ExceptionVector.GP, 0, null, "reserved EFER bits, or LME cleared while paging is on");
                Efer = v | EferLMA;   // LMA reflects the mode; long mode stays active
                break;
            case Msr.Star: Star = v; break;
            case Msr.Lstar: Canon(); Lstar = v; break;
            case Msr.Cstar: Canon(); Cstar = v; break;
            case Msr.Fmask: Fmask = v & 0xFFFF_FFFF; break;
            case Msr.FsBase: Canon(); FsBase = v; break;
            case Msr.GsBase: Canon(); GsBase = v; break;
            case Msr.KernelGsBase: Canon(); KernelGsBase = v; break;
            case Msr.TscAux: TscAux = v & 0xFFFF_FFFF; break;
            default: throw new GuestFault(ExceptionVector.GP, 0, null, $"WRMSR of unknown MSR 0x{index:X}");
        }
    }
}
