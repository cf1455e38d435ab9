using VirtPS.Engine.Costs;
using VirtPS.Engine.Cpu;
using Pe = VirtPS.Engine.Library;

namespace VirtPS.Engine.Styles;

/// <summary>
/// Library virtualization, Wine's way: no monitor and no foreign kernel. The PE runs as a process of the built-in kernel
/// on the bare machine (every instruction at native cost, as <see cref="Native"/>); its imports are bound to the
/// translation layer (<see cref="Pe.TranslationLayer"/>), user-mode code in the same process. This class only watches
/// the layer's code: a call is the execution of one of its entry points from outside it, and lasts until control
/// leaves the layer back to the program (or, for ExitProcess, until its exit system call). What happened in between (the layer's instructions, the system calls it made,
/// the kernel's work for them) is the call's share of the ledger, kept by API name and priced by the guest's cost model.
/// </summary>
public sealed unsafe class Library(Machine machine) : Vmm(machine)
{
    public override VirtualizationStyle Style => VirtualizationStyle.Library;

    internal override void Intercept(Processor p, Insn i)
    {
        Execute(p, i);
        CountHardware(p, i);
    }

    /// <summary>No monitor: a device's interrupt reaches the guest's IDT as on bare hardware.</summary>
    private protected override void OnDeviceInterrupt(int irq, bool posted) { }

    /// <summary>The loaded image whose layer this monitor watches (set once, before the guest first runs).</summary>
    public Pe.PeProcessImage? Image { get; private set; }
    ulong _layerStart, _layerEnd;

    internal void Watch(Pe.PeProcessImage image)
    {
        Image = image;
        _layerStart = image.LayerStart; _layerEnd = image.LayerEnd;
    }

    internal override void Prepare(Insn i)
    {
        base.Prepare(i);
        if (i.Ip < _layerStart || i.Ip >= _layerEnd) return;
        i.Observed = i.Exec;
        i.Exec = &InLayer;
    }

    readonly Dictionary<string, (long Calls, EventCounts Events)> _calls = new(StringComparer.Ordinal);
    string? _current;
    EventCounts? _start;

    /// <summary>The kernel's exit_status system call (kernel.asm: 41), by which the layer ends the process.</summary>
    const ulong ExitStatusSyscall = 41;

    /// <summary>Instructions the layer's code retired (its start code included).</summary>
    public long LayerInstructions { get; private set; }

    static void InLayer(Processor p, Insn i) => ((Library)p.Vmm!).Observe(p, i);

    void Observe(Processor p, Insn i)
    {
        if (_current == null && Image!.Entries.TryGetValue(i.Ip, out var api))
        {
            _current = api;
            _start = At(i.IndexInBlock);
        }
        // The layer's exit system call (ExitProcess, or a stub's) ends the call there: the kernel's teardown of the
        // process and its summary are the kernel's, not the translation's.
        bool exits = i.Sensitive == SensitiveOp.Syscall && p.R[(int)Gpr.Rax] == ExitStatusSyscall;
        i.Observed(p, i);
        LayerInstructions++;
        // Back in the program (at CPL 3, outside the layer: not a system call into the kernel): the call is over.
        if (_current != null && (exits || p.Cpl == 3 && (p.Ip < _layerStart || p.Ip >= _layerEnd))) Close(At(i.IndexInBlock + 1));
    }

    void Close(EventCounts now)
    {
        var spent = now - _start!;
        var (calls, events) = _calls.TryGetValue(_current!, out var c) ? c : (0, new EventCounts());
        events.Add(spent);
        _calls[_current!] = (calls + 1, events);
        _current = null; _start = null;
    }

    /// <summary>The ledger as it stands before the instruction at <paramref name="indexInBlock"/> of the running block
    /// (the processor adds a block's instructions when it ends).</summary>
    EventCounts At(int indexInBlock)
    {
        var l = Ledger();
        l.Add(CostEvent.Instruction, indexInBlock);
        return l;
    }

    /// <summary>Calls into the layer by API ("KERNEL32.dll.WriteFile"): how many, and every event they caused. A call
    /// still open (ExitProcess, which never returns, or a step that stopped inside the layer) counts up to now.</summary>
    public IReadOnlyDictionary<string, (long Calls, EventCounts Events)> Calls
    {
        get
        {
            var all = new Dictionary<string, (long Calls, EventCounts Events)>(_calls, StringComparer.Ordinal);
            if (_current != null)
            {
                var (calls, events) = all.TryGetValue(_current, out var c) ? (c.Calls, c.Events.Snapshot()) : (0, new EventCounts());
                events.Add(Ledger() - _start!);
                all[_current] = (calls + 1, events);
            }
            return all;
        }
    }
}
