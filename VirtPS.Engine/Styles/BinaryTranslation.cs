using VirtPS.Engine.Costs;
using VirtPS.Engine.Cpu;
using VirtPS.Engine.Trace;

namespace VirtPS.Engine.Styles;

/// <summary>
/// VMware's software VMM (Adams &amp; Agesen, ASPLOS 2006). Guest user code (CPL 3) runs directly. Guest kernel
/// code (CPL 0) never runs as it is: it runs only from the translation cache, where the translator has kept
/// every innocuous instruction and replaced every sensitive one — privileged or not, the Robin &amp; Irvine
/// instructions included — by a callout into the VMM that emulates it on the virtual CPU exactly as CPL 0
/// would. So, unlike trap-and-emulate, nothing silently diverges. RETs and indirect branches in translated
/// code cost a translation-cache lookup; entries into the kernel (SYSCALL, exceptions, interrupts) go through
/// the VMM, which reflects them to the guest's handler; memory is virtualized by shadow paging.
///
/// Adaptive binary translation (section 3.3): an instruction of translated kernel code that keeps writing
/// write-protected guest page tables is retranslated as a callout that makes the write inside the VMM and
/// updates the shadow directly, which costs a callout instead of a trap plus an emulated instruction.
/// </summary>
public sealed unsafe class BinaryTranslation : Vmm
{
    /// <summary>
    /// Executions before a kernel block's translation is compiled to .NET code. VMware translates a block
    /// on its first execution, and here translating (the policy pass) is done then too; compiling is our
    /// host's realisation of translated code, and its JIT cost (about a millisecond a block) is only worth
    /// paying for blocks that run more than once or twice — boot code runs once, syscall paths run constantly.
    /// </summary>
    public const long KernelCompileThreshold = 16;

    /// <summary>
    /// Tracing faults one instruction may take before it is retranslated as a "pte write" callout. Two, not
    /// one: a single write to a page table is common (a page-table page initialised once), and a callout
    /// costs more than the direct store it replaces; an instruction that faults twice is, as Adams and Agesen
    /// observe, very likely to keep writing page tables.
    /// </summary>
    public const int AdaptiveThreshold = 2;

    /// <summary>The name of the adaptive callout in the translated form.</summary>
    public const string PteWriteCallout = "pte write";

    readonly BlockTranslator _translator;
    readonly Dictionary<ulong, int> _tracingFaultsAt = [];
    readonly HashSet<ulong> _pteWriters = [];
    readonly Callout _pteWrite;
    bool _faultInCallout;

    public BinaryTranslation(Machine machine) : base(machine, ShadowPaging)
    {
        _pteWrite = new Callout(PteWriteCallout, PteWrite);
        _translator = new BlockTranslator(new Policy(this)) { Filter = BlockTranslator.SupervisorOnly, CompileThreshold = KernelCompileThreshold };
        machine.Translator = _translator;
    }

    public override VirtualizationStyle Style => VirtualizationStyle.BinaryTranslation;
    /// <summary>The translator that owns this guest's translation cache.</summary>
    public BlockTranslator Translator => _translator;
    /// <summary>The live translated blocks, in address order.</summary>
    public override IEnumerable<TranslatedBlock> TranslationCache => Machine.TranslatedBlocks.OrderBy(b => b.Address).ThenBy(b => b.PhysicalAddress);
    /// <summary>Faults and kernel entries that entered the VMM (a view of the ledger).</summary>
    public long Traps => Events[GuestEvent.Trap];
    /// <summary>Tracing faults taken so far, by the address of the guest instruction that wrote.</summary>
    public IReadOnlyDictionary<ulong, int> TracingFaultsByInstruction => _tracingFaultsAt;
    /// <summary>Guest instructions adaptive translation turned into "pte write" callouts.</summary>
    public IReadOnlyCollection<ulong> AdaptedInstructions => _pteWriters;

    /// <summary>Keeps innocuous instructions; calls out the sensitive ones, and the adapted page-table writers.</summary>
    sealed class Policy(BinaryTranslation vmm) : ITranslationPolicy
    {
        public Callout? CalloutFor(Insn insn) =>
            insn.Sensitive != SensitiveOp.None ? new Callout(CalloutName(insn), vmm.Emulate)
            : vmm._pteWriters.Contains(insn.Ip) ? vmm._pteWrite
            : null;
    }

    /// <summary>The callout's name: the mnemonic, with the control register or segment it reads or writes.</summary>
    static string CalloutName(Insn i)
    {
        var d = i.Decoded;
        string m = d.Mnemonic.ToString().ToLowerInvariant();
        return i.Sensitive switch
        {
            SensitiveOp.MovToCr => $"mov {d.Op0Register.ToString().ToLowerInvariant()}",
            SensitiveOp.MovFromCr => $"mov from {d.Op1Register.ToString().ToLowerInvariant()}",
            SensitiveOp.MovFromSegment => $"mov from {d.Op1Register.ToString().ToLowerInvariant()}",
            SensitiveOp.PushSegment => $"push {d.Op0Register.ToString().ToLowerInvariant()}",
            SensitiveOp.FarTransfer when m != "retf" => $"far {m}",
            _ => m,
        };
    }

    void Trap(ulong rip, string why) => Events.Record(GuestEvent.Trap, rip, "trap: " + why);

    internal override void Intercept(Processor p, Insn i)
    {
        if (p.Cpl == 0)
        {
            // Kernel code runs from translations, where this instruction is a callout; only a block the
            // translator could not translate gets here, and is handled the same way.
            Events.Record(GuestEvent.Callout);
            Emulate(p, i);
            return;
        }
        // User code runs directly. SYSCALL enters the VMM (its LSTAR), which enters the guest kernel's handler.
        Execute(p, i);
        if (i.Sensitive == SensitiveOp.Syscall)
        {
            Trap(i.Ip, "SYSCALL");
            Events.Record(GuestEvent.Injection);
        }
        else CountHardware(p, i);
    }

    /// <summary>
    /// The callout for a sensitive kernel instruction: the VMM runs it on the virtual CPU with CPL-0 semantics
    /// (the engine's semantics are the SDM's) and does what the real machine must do for it.
    /// </summary>
    void Emulate(Processor p, Insn i)
    {
        var op = i.Sensitive;
        if (op == SensitiveOp.PortIo) EmulateDevice(PortOf(p, i), "Callout");   // the VMM's device model; no real device is touched
        try { Execute(p, i); }
        catch (GuestFault) when (FaultInCallout()) { }
        switch (op)
        {
            case SensitiveOp.MovToCr when i.Op == 3: Events.Charge(CostEvent.Cr3Load); break;   // the VMM switches shadow root
            case SensitiveOp.Sysret when p.Cpl == 3: Events.Charge(CostEvent.Sysret); break;      // the real return to user mode
            case SensitiveOp.Iret when p.Cpl == 3: Events.Charge(CostEvent.Iret); break;
        }
        KeepMmuCoherent(p, i);
    }

    /// <summary>An exception filter that never catches: it notes that the fault was raised inside a callout.</summary>
    bool FaultInCallout()
    {
        _faultInCallout = true;
        return false;
    }

    /// <summary>The adaptive callout: the guest's page-table write, made by the VMM, which updates the shadow from
    /// the new guest entry itself (no tracing fault, no instruction to decode and emulate).</summary>
    void PteWrite(Processor p, Insn i)
    {
        var s = Shadow!;
        s.VmmWrite = true;
        try { i.Exec(p, i); }
        finally { s.VmmWrite = false; }
    }

    internal override void OnDelivery(ExceptionVector vector, DeliveryKind kind, ulong rip)
    {
        // A device's interrupt was injected when raised: only the delivery is left.
        if (kind == DeliveryKind.Device) { base.OnDelivery(vector, kind, rip); return; }
        // A fault raised by a callout is already in the VMM; anything else (user-mode exceptions and
        // interrupts, faults of translated code) reaches the VMM's IDT first. Either way it is reflected.
        if (_faultInCallout) _faultInCallout = false;
        else Trap(rip, kind == DeliveryKind.External ? "external interrupt" : $"#{vector}");
        Events.Record(GuestEvent.Injection);
    }

    private protected override void EnterForShadowFault(Memory.ShadowFaultKind kind, ulong la)
    {
        var at = FaultingInstruction();
        ulong rip = at is { } a ? a.Insn.Ip : Cpu.Ip;
        bool tracing = kind == Memory.ShadowFaultKind.Tracing;
        Trap(rip, tracing ? $"write to a guest page table at 0x{la:X}" : $"hidden page fault at 0x{la:X}");
        if (!tracing || at is not { } w) return;
        int n = _tracingFaultsAt[rip] = _tracingFaultsAt.GetValueOrDefault(rip) + 1;
        if (n < AdaptiveThreshold) return;
        if (_pteWriters.Add(rip))
        {
            // Every translation holding the instruction goes (a block entered part-way holds it too).
            foreach (var t in Machine.TranslatedBlocks.Where(t => t.Block.Insns.Any(x => x.Ip == rip)).ToList()) _translator.Invalidate(t);
            Events.Note(rip, $"adaptive retranslation: {PteWriteCallout} callout");
        }
        _translator.Invalidate(w.Block);   // a translation made before (e.g. another address space's copy)
    }

    /// <summary>The kept instruction of translated kernel code that is running now, if that is what faulted.</summary>
    (TranslatedBlock Block, Insn Insn)? FaultingInstruction()
    {
        if (_translator.Running is not { } tb || Cpu.Cpl != 0) return null;
        int k = Cpu.BlockIndex;
        if (k < 0 || k >= tb.Steps.Length || tb.Steps[k].IsCallout) return null;
        return (tb, tb.Block.Insns[k]);
    }

    public override EventCounts Ledger()
    {
        var l = base.Ledger();
        var t = _translator;
        l[CostEvent.TranslatedInstruction] += t.InstructionsExecuted;
        l[CostEvent.Instruction] -= t.InstructionsExecuted;
        l[CostEvent.TranslateInstruction] += t.InstructionsTranslated;
        l[CostEvent.Callout] += t.CalloutsExecuted;
        // Translated code turns RETs and indirect branches into translation-cache lookups, and a direct CALL
        // into a push and a jump: none of them is a hardware near CALL or RET.
        l[CostEvent.IndirectBranchLookup] += t.ReturnsExecuted + t.IndirectCallsExecuted + t.IndirectJumpsExecuted;
        l[CostEvent.NearCall] -= t.NearCallsExecuted;
        l[CostEvent.NearReturn] -= t.ReturnsExecuted;
        return l;
    }
}
