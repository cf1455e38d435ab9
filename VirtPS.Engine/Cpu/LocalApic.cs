namespace VirtPS.Engine.Cpu;

/// <summary>
/// The local APIC in x2APIC mode, reached through MSRs 0x800-0x8FF (Intel SDM Vol. 3A, 10.12): TPR, EOI,
/// the spurious-vector register, the in-service and request registers, SELF IPI, the timer (one-shot or periodic,
/// with its divide configuration) and the LVT performance-counter entry, through which the PMU's overflows
/// interrupt (<see cref="PerformanceMonitoring"/>). The timer counts TSC ticks, so its interrupts land at
/// deterministic points in the instruction stream.
/// </summary>
public sealed class LocalApic
{
    public const uint MsrId = 0x802, MsrVersion = 0x803, MsrTpr = 0x808, MsrPpr = 0x80A, MsrEoi = 0x80B, MsrSvr = 0x80F,
        MsrIsr0 = 0x810, MsrIrr0 = 0x820, MsrLvtTimer = 0x832, MsrLvtPmi = 0x834, MsrTimerInitial = 0x838, MsrTimerCurrent = 0x839, MsrTimerDivide = 0x83E, MsrSelfIpi = 0x83F;

    readonly ulong[] _irr = new ulong[4], _isr = new ulong[4];
    int _requests;   // vectors set in the IRR, so the run loop's check between blocks is a single compare
    uint _svr = 0xFF, _lvtTimer = 0x1_0000, _lvtPmi = 0x1_0000, _initial, _divideConfig;
    long _armedAt;

    /// <summary>Task priority (bits 7:4 are CR8).</summary>
    public uint Tpr { get; set; }
    /// <summary>The TSC value at which the timer next fires, or null when it is stopped.</summary>
    public long? Deadline { get; private set; }
    public long TimerInterrupts { get; private set; }
    /// <summary>Performance-monitoring interrupts requested (counter overflows the LVT entry let through).</summary>
    public long PerformanceMonitoringInterrupts { get; private set; }
    /// <summary>The LVT performance-counter entry (x2APIC MSR 0x834): vector, delivery mode, mask.</summary>
    public uint LvtPerformanceCounter => _lvtPmi;
    public long Eois { get; private set; }

    bool SoftwareEnabled => (_svr & 0x100) != 0;
    bool Periodic => ((_lvtTimer >> 17) & 3) == 1;
    bool TimerMasked => (_lvtTimer & 0x1_0000) != 0;
    /// <summary>Divide value from the divide-configuration register's bits 3, 1:0 (SDM Vol. 3A, Figure 10-10).</summary>
    long Divide => (((_divideConfig >> 1) & 4) | (_divideConfig & 3)) is var d && d == 7 ? 1 : 2L << (int)d;

    public bool Handles(uint msr) => msr is >= 0x800 and <= 0x8FF;

    public ulong Read(uint msr, long tsc) => msr switch
    {
        MsrId => 0,
        MsrVersion => 0x5_0014,   // version 0x14, six LVT entries
        MsrTpr => Tpr,
        MsrPpr => Math.Max(Tpr & 0xF0, (uint)HighestClass(_isr) << 4),
        MsrSvr => _svr,
        >= MsrIsr0 and < MsrIsr0 + 8 => Word(_isr, (int)(msr - MsrIsr0)),
        >= MsrIrr0 and < MsrIrr0 + 8 => Word(_irr, (int)(msr - MsrIrr0)),
        MsrLvtTimer => _lvtTimer,
        MsrLvtPmi => _lvtPmi,
        MsrTimerInitial => _initial,
        MsrTimerCurrent => Deadline is { } dl && dl > tsc ? (ulong)((dl - tsc + Divide - 1) / Divide) : 0,
        MsrTimerDivide => _divideConfig,
        _ => throw new GuestFault(ExceptionVector.GP, 0, null, $"x2APIC register MSR 0x{msr:X} is not implemented"),
    };

    public void Write(uint msr, ulong v, long tsc)
    {
        switch (msr)
        {
            case MsrTpr: Tpr = (uint)v & 0xFF; break;
            case MsrEoi:
                if (v != 0) throw new GuestFault(ExceptionVector.GP, 0, null, "x2APIC EOI takes zero");
                Eois++;
                if (Highest(_isr) is int s) Clear(_isr, s);
                break;
            case MsrSvr: _svr = (uint)v & 0x1FF; break;
            case MsrLvtTimer: _lvtTimer = (uint)v & 0x7_10FF; break;
            case MsrLvtPmi: _lvtPmi = (uint)v & 0x1_07FF; break;   // vector, delivery mode, mask
            case MsrTimerInitial:
                _initial = (uint)v;
                _armedAt = tsc;
                Deadline = _initial == 0 ? null : tsc + _initial * Divide;
                break;
            case MsrTimerDivide: _divideConfig = (uint)v & 0xB; break;
            case MsrSelfIpi: Request((int)(v & 0xFF)); break;   // x2APIC SELF IPI (SDM Vol. 3A, 10.12.11): fixed mode, to itself
            default: throw new GuestFault(ExceptionVector.GP, 0, null, $"x2APIC register MSR 0x{msr:X} is not writable");
        }
    }

    /// <summary>Called when the TSC reaches <see cref="Deadline"/>: requests the timer's vector, re-arms a periodic timer.</summary>
    public void Expire()
    {
        if (Deadline is not { } dl) return;
        if (!TimerMasked && SoftwareEnabled)
        {
            Request((int)(_lvtTimer & 0xFF));
            TimerInterrupts++;
        }
        Deadline = Periodic && _initial != 0 ? dl + _initial * Divide : null;
    }

    /// <summary>
    /// A performance counter overflowed with its INT bit set. An unmasked entry in fixed delivery mode requests its
    /// vector, and the processor then sets the entry's mask bit (SDM Vol. 3A, Figure 10-8): the handler unmasks it
    /// to take the next one. Other delivery modes (SMI, NMI, INIT, ExtINT) are not modelled and raise nothing.
    /// </summary>
    public void PerformanceCounterOverflow()
    {
        if ((_lvtPmi & 0x1_0000) != 0 || !SoftwareEnabled || ((_lvtPmi >> 8) & 7) != 0) return;
        Request((int)(_lvtPmi & 0xFF));
        PerformanceMonitoringInterrupts++;
        _lvtPmi |= 0x1_0000;
    }

    /// <summary>An external interrupt arriving at this APIC (from an IOAPIC redirection entry, fixed delivery): requests
    /// <paramref name="vector"/> as the local sources do.</summary>
    public void RequestExternal(int vector) => Request(vector);

    /// <summary>Sets <paramref name="v"/> in the IRR; a vector already requested stays one request.</summary>
    void Request(int v)
    {
        if ((_irr[v >> 6] & (1UL << (v & 63))) == 0) _requests++;
        Set(_irr, v);
    }

    /// <summary>The highest requested vector whose priority class beats the processor priority (TPR and in-service), if any.</summary>
    public int? Deliverable()
    {
        if (_requests == 0 || Highest(_irr) is not int v) return null;   // the common case: one field test
        int ppr = Math.Max((int)(Tpr >> 4), HighestClass(_isr));
        return v >> 4 > ppr ? v : null;
    }

    /// <summary>The processor accepted <paramref name="vector"/>: move it from requested to in service.</summary>
    public void Accept(int vector) { Clear(_irr, vector); _requests--; Set(_isr, vector); }

    /// <summary>True if HLT can count on being woken: an interrupt is deliverable now, or the timer will raise one that beats the priority.</summary>
    public bool WakesFromHalt =>
        Deliverable() != null
        || (Deadline != null && !TimerMasked && SoftwareEnabled
            && (int)(_lvtTimer & 0xFF) >> 4 > Math.Max((int)(Tpr >> 4), HighestClass(_isr)));

    static ulong Word(ulong[] bits, int k) => (bits[k / 2] >> (32 * (k % 2))) & 0xFFFF_FFFF;
    static void Set(ulong[] bits, int v) => bits[v >> 6] |= 1UL << (v & 63);
    static void Clear(ulong[] bits, int v) => bits[v >> 6] &= ~(1UL << (v & 63));
    static int? Highest(ulong[] bits)
    {
        for (int k = 3; k >= 0; k--) if (bits[k] != 0) return k * 64 + 63 - System.Numerics.BitOperations.LeadingZeroCount(bits[k]);
        return null;
    }
    static int HighestClass(ulong[] bits) => Highest(bits) is int v ? v >> 4 : 0;
}
