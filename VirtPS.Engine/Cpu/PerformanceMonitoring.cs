namespace VirtPS.Engine.Cpu;

/// <summary>
/// Architectural performance monitoring, version 1 (Intel SDM Vol. 3B, ch. 18; CPUID leaf 0AH): one
/// general-purpose counter, IA32_PMC0 (48 bits), programmed by IA32_PERFEVTSEL0. The one event it counts is
/// the architectural "instructions retired" (event C0H, umask 00H: INST_RETIRED.ANY_P), with the USR (CPL 1-3)
/// and OS (CPL 0) filters; any other event, or a CMASK, INV or E modifier, counts nothing. On overflow with INT
/// set the local APIC raises its LVT performance-counter interrupt (PMI). Counting is exact: the run loop ends
/// a block at the instruction where the counter wraps, so the PMI is requested right after that instruction
/// retires (no skid), which is what lets a kernel preempt at the same user instruction whatever it runs itself.
/// </summary>
public sealed class PerformanceMonitoring
{
    public const uint MsrPmc0 = 0xC1, MsrPerfEvtSel0 = 0x186, MsrPerfCapabilities = 0x345, MsrAPmc0 = 0x4C1;
    /// <summary>IA32_PERFEVTSELx fields (SDM Vol. 3B, Figure 18-1).</summary>
    public const ulong EventSelect = 0xFF, UnitMask = 0xFF00, Usr = 1UL << 16, Os = 1UL << 17, Edge = 1UL << 18, PinControl = 1UL << 19,
        Int = 1UL << 20, Enable = 1UL << 22, Inv = 1UL << 23, CounterMask = 0xFFUL << 24;
    /// <summary>INST_RETIRED.ANY_P: the architectural "instructions retired" event (SDM Vol. 3B, Table 18-1).</summary>
    public const byte InstructionsRetired = 0xC0;
    public const int Width = 48;
    const ulong Mask = (1UL << Width) - 1;
    /// <summary>IA32_PERF_CAPABILITIES.FW_WRITE (bit 13): IA32_A_PMC0 takes full-width writes.</summary>
    const ulong FullWidthWrite = 1UL << 13;

    readonly LocalApic _apic;
    ulong _pmc, _evtSel;
    int _accounted;   // instructions of the running block already counted by an MSR access inside it

    internal PerformanceMonitoring(LocalApic apic) => _apic = apic;

    /// <summary>Instructions still to count at CPL 3 (and CPL 1-2) or at CPL 0 before the counter wraps;
    /// long.MaxValue when nothing is counted there. The run loop's one compare per block.</summary>
    internal long UserRoom = long.MaxValue, OsRoom = long.MaxValue;
    /// <summary>True when the run loop must report retired instructions (something counts, or an access
    /// inside the block counted part of it).</summary>
    internal bool Active;

    public ulong Pmc0 => _pmc;
    public ulong PerfEvtSel0 => _evtSel;
    /// <summary>Times IA32_PMC0 wrapped (each one a PMI request when INT is set; the LVT entry decides).</summary>
    public long Overflows { get; private set; }

    bool CountsAt(int cpl) =>
        (_evtSel & (Enable | EventSelect | UnitMask | CounterMask | Inv | Edge)) == (Enable | InstructionsRetired)
        && (_evtSel & (cpl == 0 ? Os : Usr)) != 0;

    void Update()
    {
        long room = (long)((1UL << Width) - _pmc);
        UserRoom = CountsAt(3) ? room : long.MaxValue;
        OsRoom = CountsAt(0) ? room : long.MaxValue;
        Active = _accounted != 0 || UserRoom != long.MaxValue || OsRoom != long.MaxValue;
    }

    /// <summary>The run loop: <paramref name="n"/> instructions of a block started at <paramref name="cpl"/> retired.</summary>
    internal void Retire(int cpl, int n)
    {
        n -= _accounted;
        _accounted = 0;
        if (n > 0 && CountsAt(cpl)) Add((ulong)n);
        Update();
    }

    /// <summary>An MSR access inside the running block: counts its first <paramref name="inBlock"/> instructions now,
    /// under the configuration they ran with; <see cref="Retire"/> counts the rest at the block's end.</summary>
    void Account(int cpl, int inBlock)
    {
        if (inBlock > _accounted && CountsAt(cpl)) Add((ulong)(inBlock - _accounted));
        _accounted = Math.Max(_accounted, inBlock);
    }

    void Add(ulong n)
    {
        ulong v = _pmc + n;
        _pmc = v & Mask;
        if (v <= Mask) return;
        Overflows++;
        if ((_evtSel & Int) != 0) _apic.PerformanceCounterOverflow();
    }

    public static bool Handles(uint msr) => msr is MsrPmc0 or MsrPerfEvtSel0 or MsrPerfCapabilities or MsrAPmc0;

    internal ulong Read(uint msr, int cpl, int inBlock)
    {
        Account(cpl, inBlock);
        Update();
        return msr switch
        {
            MsrPmc0 or MsrAPmc0 => _pmc,
            MsrPerfEvtSel0 => _evtSel,
            _ => FullWidthWrite,
        };
    }

    /// <summary>WRMSR: the writing instruction retires under the configuration it replaces.</summary>
    internal void Write(uint msr, ulong v, int cpl, int inBlock)
    {
        switch (msr)
        {
            case MsrPerfEvtSel0:
                if (v >> 32 != 0) throw new GuestFault(ExceptionVector.GP, 0, null, "IA32_PERFEVTSEL0 bits 63:32 are reserved");
                if ((v & (1UL << 21)) != 0) throw new GuestFault(ExceptionVector.GP, 0, null, "AnyThread needs architectural performance monitoring version 3");
                break;
            case MsrAPmc0:
                if (v >> Width != 0) throw new GuestFault(ExceptionVector.GP, 0, null, "IA32_A_PMC0 bits 63:48 are reserved");
                break;
            case MsrPerfCapabilities: throw new GuestFault(ExceptionVector.GP, 0, null, "IA32_PERF_CAPABILITIES is read-only");
        }
        Account(cpl, inBlock + 1);
        switch (msr)
        {
            case MsrPerfEvtSel0: _evtSel = v; break;
            // The legacy path writes bits 31:0 and sign-extends bit 31 (SDM Vol. 3B, 18.2.6 full-width writes).
            case MsrPmc0: _pmc = (ulong)(long)(int)(uint)v & Mask; break;
            case MsrAPmc0: _pmc = v; break;
        }
        Update();
    }
}
