using VirtPS.Engine.Costs;
using VirtPS.Engine.Cpu;
using Pe = VirtPS.Engine.Library;

namespace VirtPS.Engine.Styles;

/// <summary>
/// Library virtualization, Wine's way: no monitor and no foreign kernel. The PE runs as a process of the built-in kernel
/// on the bare machine (every instruction at native cost, as <see cref="Native"/>); its imports are bound to the
/// translation layer (<see cref="Pe.TranslationLayer"/>), user-mode code in the same process. This class only watches
/// the layer's code: a call is the execution of one of its entry points from outside it, and lasts until control
/// returns to the program (or, for ExitProcess, until its exit system call); callbacks into the program are not its. What happened in between (the layer's instructions, the system calls it made,
/// the kernel's work for them) is the call's share of the ledger, kept by API name and priced by the guest's cost model.
/// </summary>
public sealed unsafe class Library(Machine machine) : Native(machine)
{
    public override VirtualizationStyle Style => VirtualizationStyle.Library;

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

    /// <summary>Per API: calls made (counted at entry) and the events of their time in the layer (added as each stretch ends).</summary>
    readonly Dictionary<string, (long Calls, EventCounts Events)> _calls = new(StringComparer.Ordinal);
    /// <summary>The call whose stretch of layer code is running, and the ledger when the stretch began.</summary>
    string? _current;
    EventCounts? _start;
    /// <summary>Calls that called back into the program (_initterm's initializers, exit's atexit handlers): each resumes
    /// when control comes back into the layer, and the program's own code in between is not theirs.</summary>
    readonly Stack<string> _suspended = new();

    /// <summary>The kernel's exit_status system call (kernel.asm: 41), by which the layer ends the process.</summary>
    const ulong ExitStatusSyscall = 41;

    /// <summary>Instructions the layer's code retired (its start code included).</summary>
    public long LayerInstructions { get; private set; }

    static void InLayer(Processor p, Insn i) => ((Library)p.Vmm!).Observe(p, i);

    void Observe(Processor p, Insn i)
    {
        if (_current == null)
        {
            if (Image!.Entries.TryGetValue(i.Ip, out var api))
            {
                _current = api;
                var (calls, events) = _calls.TryGetValue(api, out var c) ? c : (0, new EventCounts());
                _calls[api] = (calls + 1, events);
                _start = At(i.IndexInBlock);
            }
            else if (_suspended.Count > 0)
            {
                _current = _suspended.Pop();   // back from a callback
                _start = At(i.IndexInBlock);
            }
        }
        // The layer's exit system call (ExitProcess, or a stub's) ends the call there: the kernel's teardown of the
        // process and its summary are the kernel's, not the translation's.
        bool exits = i.Sensitive == SensitiveOp.Syscall && p.R[(int)Gpr.Rax] == ExitStatusSyscall;
        i.Observed(p, i);
        LayerInstructions++;
        // Out of the layer into the program (at CPL 3, outside the layer: not a system call into the kernel): by a
        // return the call is over; by a call it waits for the callback to return.
        if (_current != null && (exits || p.Cpl == 3 && (p.Ip < _layerStart || p.Ip >= _layerEnd)))
        {
            string api = _current;
            Close(At(i.IndexInBlock + 1));
            if (!exits && i.Decoded.Mnemonic == Iced.Intel.Mnemonic.Call) _suspended.Push(api);
        }
    }

    void Close(EventCounts now)
    {
        _calls[_current!].Events.Add(now - _start!);
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
            var all = _calls.ToDictionary(c => c.Key, c => (c.Value.Calls, c.Value.Events.Snapshot()), StringComparer.Ordinal);
            if (_current != null) all[_current].Item2.Add(Ledger() - _start!);
            return all;
        }
    }
}
