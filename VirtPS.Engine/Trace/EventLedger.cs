using System.Runtime.CompilerServices;
using VirtPS.Engine.Costs;

namespace VirtPS.Engine.Trace;

/// <summary>
/// The one record of what a guest's processor and VMM did. Every style reports its typed events here
/// (<see cref="Record"/>), and everything else is a view of it: the primitive cost events a cost model prices
/// (<see cref="Costs"/>), exits by reason, hypercalls by number, the processor's MachineEvents, the
/// trace (each VMM event is also written to the tracer), and a guest's measurement. Nothing is counted twice: a VMM
/// event adds the cost events it is priced as in the same call.
/// </summary>
public sealed class EventLedger
{
    /// <summary>Codes of <see cref="GuestEvent.WorldSwitch"/>: to the host OS and back, or in from another guest.</summary>
    public const int HostOs = 0, AnotherGuest = 1;

    static readonly int Kinds = Enum.GetValues<GuestEvent>().Length;
    readonly long[] _counts = new long[Kinds];
    readonly long[]?[] _byCode = new long[Kinds][];
    readonly List<FidelityViolation> _violations = [];

    /// <summary>The primitive cost events charged so far (plain instructions are counted by the processor and added
    /// by the VMM's <c>Ledger()</c> view).</summary>
    public EventCounts Costs { get; } = new();

    /// <summary>Writes a trace event and stops a run that asked to stop on it (the processor's reporter).</summary>
    internal Action<TraceKind, ulong, string, int?, ulong?, ulong?>? Reporter { get; set; }

    /// <summary>How often <paramref name="e"/> happened.</summary>
    public long this[GuestEvent e] => _counts[(int)e];

    /// <summary>How often <paramref name="e"/> happened with <paramref name="code"/>.</summary>
    public long Count(GuestEvent e, int code) => _byCode[(int)e] is { } a && (uint)code < (uint)a.Length ? a[code] : 0;

    /// <summary>The codes <paramref name="e"/> happened with, and how often each.</summary>
    public IEnumerable<(int Code, long Count)> ByCode(GuestEvent e)
    {
        if (_byCode[(int)e] is not { } a) yield break;
        for (int c = 0; c < a.Length; c++) if (a[c] > 0) yield return (c, a[c]);
    }

    /// <summary>The fidelity violations, in order (their count is <c>this[GuestEvent.FidelityViolation]</c>).</summary>
    public IReadOnlyList<FidelityViolation> Violations => _violations;

    /// <summary>The primitive cost events a VMM event is priced as.</summary>
    public static ReadOnlySpan<CostEvent> PricedAs(GuestEvent e) => e switch
    {
        GuestEvent.VmExit => [CostEvent.VmExit, CostEvent.ExitHandling],
        GuestEvent.Trap => [CostEvent.Trap],
        GuestEvent.Callout => [CostEvent.Callout],
        GuestEvent.Hypercall => [CostEvent.Hypercall],
        GuestEvent.HypercallBatchEntry => [CostEvent.HypercallBatchEntry],
        GuestEvent.Injection => [CostEvent.InterruptInjection],
        GuestEvent.WorldSwitch => [CostEvent.WorldSwitch],
        GuestEvent.DomainSwitch => [CostEvent.DomainSwitch],
        GuestEvent.Emulation => [CostEvent.EmulateInstruction],
        GuestEvent.DeviceEmulation => [CostEvent.DeviceEmulation],
        _ => [],
    };

    /// <summary>Records <paramref name="e"/> (with <paramref name="code"/>, for the events that have one) and charges
    /// the cost events it is priced as.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Record(GuestEvent e, int code = -1)
    {
        _counts[(int)e]++;
        if (code >= 0) CountCode(e, code);
        foreach (var c in PricedAs(e)) Costs.Add(c);
    }

    /// <summary>Records a VMM event and writes it to the trace as a <see cref="TraceKind.VmmEntry"/>.</summary>
    public void Record(GuestEvent e, ulong rip, string detail, int code = -1, ulong? qualification = null)
    {
        Record(e, code);
        Reporter?.Invoke(TraceKind.VmmEntry, rip, detail, code >= 0 ? code : null, qualification, null);
    }

    /// <summary>Records an event and writes it to the trace as <paramref name="kind"/>, with the SDM's details.</summary>
    public void Record(GuestEvent e, TraceKind kind, ulong rip, string detail, int? vector = null, ulong? qualification = null, ulong? cr2 = null)
    {
        Record(e);
        Reporter?.Invoke(kind, rip, detail, vector, qualification, cr2);
    }

    /// <summary>Writes a note to the trace that no counter follows (a VMM decision, such as an adaptive retranslation).</summary>
    public void Note(ulong rip, string detail) => Reporter?.Invoke(TraceKind.VmmEntry, rip, detail, null, null, null);

    /// <summary>A sensitive unprivileged instruction gave the guest <paramref name="v"/>.Got instead of what CPL 0 gives.</summary>
    public void Record(FidelityViolation v)
    {
        Record(GuestEvent.FidelityViolation);
        _violations.Add(v);
        Reporter?.Invoke(TraceKind.FidelityViolation, v.Rip, $"{v.Instruction}: got {v.Got}, CPL 0 gives {v.Expected}", null, null, null);
    }

    /// <summary>Charges a primitive event the bare hardware performed (a SYSCALL's entry, an IDT delivery, a port access).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Charge(CostEvent e, long n = 1) => Costs.Add(e, n);

    void CountCode(GuestEvent e, int code)
    {
        ref var a = ref _byCode[(int)e];
        if (a is null || code >= a.Length) Array.Resize(ref a, Math.Max(code + 1, a is null ? 64 : a.Length * 2));
        a[code]++;
    }
}
