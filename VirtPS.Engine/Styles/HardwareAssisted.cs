using VirtPS.Engine.Costs;
using VirtPS.Engine.Cpu;
using VirtPS.Engine.Memory;
using VirtPS.Engine.Trace;

namespace VirtPS.Engine.Styles;

/// <summary>
/// Hardware-assisted virtualization (Intel VT-x): the guest runs in VMX non-root mode at its own CPL, so its
/// kernel's privileged instructions run directly unless a VM-execution control makes them exit. Each exit is
/// counted by its SDM basic exit reason with its exit qualification, and priced as one VM exit round trip
/// (plus the VMM's own work: emulating the instruction, switching to the host for a hosted VMM's devices).
/// Memory is virtualized by nested paging (EPT, the default: the VMM maps guest frames lazily on EPT
/// violations, and the guest's page tables, CR3 loads and INVLPG are its own business) or, as first-generation
/// VT-x had to, by shadow paging: #PF is in the exception bitmap, CR3 loads and INVLPG exit, and guest
/// page-table writes fault into the VMM.
/// </summary>
public sealed class HardwareAssisted : Vmm
{
    /// <summary>How a hardware-assisted guest's memory is virtualized unless it says otherwise: EPT, as every VT-x
    /// processor since Nehalem (2008) offers.</summary>
    public const MemoryVirtualization DefaultPaging = MemoryVirtualization.Nested;

    /// <summary>The memory virtualizations VT-x offers a VMM.</summary>
    public static IReadOnlyList<MemoryVirtualization> PagingModes { get; } = [MemoryVirtualization.Nested, MemoryVirtualization.Shadow];

    readonly NestedMmu? _nested;

    public HardwareAssisted(Machine machine, MemoryVirtualization paging = DefaultPaging) : base(machine, MmuFor(paging))
    {
        if (paging == MemoryVirtualization.Shadow)
        {
            Controls = DefaultControls;
            ExceptionBitmap = 1u << (int)ExceptionVector.PF;
        }
        else
        {
            _nested = (NestedMmu)Mmu;
            _nested.Ept.Invalidated = Cpu.EptInvalidated;
            _nested.EptExit = OnEptExit;
            Controls = DefaultControls & ~ShadowPagingControls & ~VmExecutionControls.Cr3StoreExiting;
            ExceptionBitmap = 0;
        }
    }

    static Func<Machine, IGuestMmu> MmuFor(MemoryVirtualization paging) => paging switch
    {
        MemoryVirtualization.Shadow => ShadowPaging,
        MemoryVirtualization.Nested => m => new NestedMmu(m.Memory, new ExtendedPageTables(m.Memory.Size)),
        _ => throw new VirtPSException(ErrorIds.PagingModeNotSupported, ErrorKind.InvalidArgument,
            $"A hardware-assisted VMM virtualizes memory by {string.Join(" or ", PagingModes)} paging, not {paging}.", paging),
    };

    public override VirtualizationStyle Style => VirtualizationStyle.HardwareAssisted;

    /// <summary>The extended page tables, under nested paging (null under shadow paging).</summary>
    public ExtendedPageTables? Ept => _nested?.Ept;

    /// <summary>Under nested paging, the size of the pages the VMM maps guest memory with in EPT: 4096 (the default)
    /// or 2097152. Changing it drops every EPT mapping, so the guest's next accesses map afresh.</summary>
    public ulong EptPageSize
    {
        get => _nested?.Ept.PageSize ?? 0;
        set
        {
            if (_nested is null)
                throw new VirtPSException(ErrorIds.NestedPagingNotEnabled, ErrorKind.InvalidOperation,
                    "This guest's memory is virtualized by shadow paging; EPT page sizes apply under -Paging Nested.", value);
            _nested.Ept.PageSize = value;
        }
    }

    /// <summary>The controls a VMM for first-generation VT-x sets: what shadow paging needs (CR3 load and
    /// store, INVLPG, #PF), HLT and every IO instruction, every MSR (no MSR bitmap), external interrupts, and
    /// the TPR shadow so that CR8 writes above the threshold stay in the guest. Under nested paging the CR3 and
    /// INVLPG controls are clear and #PF is not in the exception bitmap.</summary>
    public const VmExecutionControls DefaultControls = VmExecutionControls.ExternalInterruptExiting | VmExecutionControls.HltExiting
        | VmExecutionControls.InvlpgExiting | VmExecutionControls.Cr3LoadExiting | VmExecutionControls.Cr3StoreExiting
        | VmExecutionControls.UseTprShadow | VmExecutionControls.UnconditionalIoExiting | VmExecutionControls.WbinvdExiting;

    /// <summary>Controls that shadow paging cannot work without.</summary>
    public const VmExecutionControls ShadowPagingControls = VmExecutionControls.InvlpgExiting | VmExecutionControls.Cr3LoadExiting;

    public VmExecutionControls Controls { get; set; }
    /// <summary>Bit n set: exception vector n exits (SDM 25.6.3). #PF is needed by shadow paging.</summary>
    public uint ExceptionBitmap { get; set; }
    /// <summary>With <see cref="VmExecutionControls.UseIoBitmaps"/>: the ports whose access exits.</summary>
    public HashSet<ushort> IoBitmap { get; } = [];
    HashSet<ushort> _direct = [];

    /// <summary>
    /// Gives the guest direct access to the ports of its assigned devices through the IO bitmaps (SDM Vol. 3C, 25.6.4): a VMM
    /// that exits on every IO instruction switches to the bitmaps with every bit set, then clears the devices' bits, so the
    /// guest reaches their registers with no exit and every other port still exits. Ports no longer assigned are set again.
    /// </summary>
    internal void PassThroughPorts(HashSet<ushort> ports)
    {
        if (ports.Count > 0 && Has(VmExecutionControls.UnconditionalIoExiting) && !Has(VmExecutionControls.UseIoBitmaps))
        {
            for (int port = 0; port <= ushort.MaxValue; port++) IoBitmap.Add((ushort)port);
            Controls |= VmExecutionControls.UseIoBitmaps;   // with the bitmaps on, unconditional IO exiting is ignored
        }
        if (Has(VmExecutionControls.UseIoBitmaps))
        {
            foreach (var port in _direct) if (!ports.Contains(port)) IoBitmap.Add(port);
            foreach (var port in ports) IoBitmap.Remove(port);
        }
        _direct = ports;
    }
    /// <summary>With <see cref="VmExecutionControls.UseMsrBitmaps"/>: the MSRs whose reads and writes exit.</summary>
    public HashSet<uint> MsrBitmap { get; } = [];

    /// <summary>VM exits so far, by basic exit reason (a view of the ledger).</summary>
    public IReadOnlyDictionary<ExitReason, long> Exits => Events.ByCode(GuestEvent.VmExit).ToDictionary(c => (ExitReason)c.Code, c => c.Count);
    public long TotalExits => Events[GuestEvent.VmExit];

    bool Has(VmExecutionControls c) => (Controls & c) != 0;


    void Exit(Processor p, ExitReason reason, ulong rip, ulong qualification = 0, string? detail = null)
    {
        // The exit and the VM entry that resumes the guest: without VPIDs both flush VPID 0's mappings (SDM Vol. 3C,
        // 28.3.3.3); the VMM's own translations in between are not modelled, so one flush stands for the pair.
        if (TlbTagging == TlbTagging.None) { p.FlushOnVmTransition(); Events.Record(GuestEvent.TlbFlush); }
        Events.Record(GuestEvent.VmExit, rip, $"VM exit {(int)reason} ({reason}){(detail is null ? "" : ": " + detail)}", (int)reason, qualification);
    }

    internal override void Intercept(Processor p, Insn i)
    {
        var op = i.Sensitive;
        // Privilege checks come before VM exits (SDM 26.1.1): a user-mode attempt just faults in the guest.
        if (SensitiveOps.IsPrivileged(op) && op is not (SensitiveOp.CliSti or SensitiveOp.PortIo or SensitiveOp.Iret or SensitiveOp.Sysret) && p.Cpl != 0)
        {
            Execute(p, i);
            return;
        }
        switch (op)
        {
            case SensitiveOp.Cpuid:
                Exit(p, ExitReason.Cpuid, i.Ip);
                Execute(p, i);   // the VMM answers with the machine's own leaves
                return;
            case SensitiveOp.Vmcall:
                Exit(p, ExitReason.Vmcall, i.Ip);
                Execute(p, i);   // no hypercall ABI for an unmodified guest: #UD, as on bare hardware
                return;
            case SensitiveOp.CacheFlush when i.Decoded.Mnemonic == Iced.Intel.Mnemonic.Invd || Has(VmExecutionControls.WbinvdExiting):
                Exit(p, i.Decoded.Mnemonic == Iced.Intel.Mnemonic.Invd ? ExitReason.Invd : ExitReason.Wbinvd, i.Ip);
                Execute(p, i);
                return;
            case SensitiveOp.Hlt when Has(VmExecutionControls.HltExiting):
                Exit(p, ExitReason.Hlt, i.Ip);
                Execute(p, i);   // the VMM parks the vCPU until an interrupt is pending
                return;
            case SensitiveOp.PortIo when IoExits(p, i, out ushort port):
                Exit(p, ExitReason.IoInstruction, i.Ip, IoQualification(i, port));
                EmulateDevice(port, "VmExit:IoInstruction");
                Execute(p, i);
                return;
            case SensitiveOp.Rdmsr or SensitiveOp.Wrmsr when !Has(VmExecutionControls.UseMsrBitmaps) || MsrBitmap.Contains((uint)p.R[(int)Gpr.Rcx]):
                Exit(p, op == SensitiveOp.Rdmsr ? ExitReason.Rdmsr : ExitReason.Wrmsr, i.Ip);
                Events.Record(GuestEvent.Emulation);
                Execute(p, i);
                return;
            case SensitiveOp.MovToCr or SensitiveOp.MovFromCr when CrExits(i):
                Exit(p, ExitReason.ControlRegisterAccess, i.Ip, CrQualification(i));
                Execute(p, i);
                KeepMmuCoherent(p, i);
                return;
            case SensitiveOp.Invlpg when Has(VmExecutionControls.InvlpgExiting):
                Exit(p, ExitReason.Invlpg, i.Ip, i.Ea(p));
                Execute(p, i);
                KeepMmuCoherent(p, i);
                return;
            case SensitiveOp.Invpcid when Has(VmExecutionControls.InvlpgExiting):
                Exit(p, ExitReason.Invpcid, i.Ip);
                Execute(p, i);
                KeepMmuCoherent(p, i);
                return;
            default:
                Execute(p, i);
                CountHardware(p, i);
                return;
        }
    }

    /// <summary>
    /// Changes which events exit, by exit reason, as a VMM sets its VMCS controls: each reason maps to the
    /// control that governs it (HLT exiting, unconditional IO exiting, the MSR bitmaps, CR3/CR8 exiting and
    /// the TPR shadow, INVLPG exiting, external-interrupt exiting, the exception bitmap, WBINVD exiting).
    /// Refused, with nothing changed: a reason that exits unconditionally (CPUID, VMCALL, INVD, triple fault),
    /// one no control governs, one both turned on and off, and, under shadow paging, turning off what it needs
    /// (CR3 loads, INVLPG, #PF).
    /// </summary>
    public override bool HasExitControls => true;

    public override void SetExits(IReadOnlyCollection<ExitReason> on, IReadOnlyCollection<ExitReason> off)
    {
        foreach (var both in on.Intersect(off))
            throw new VirtPSException(ErrorIds.ConflictingExitControls, ErrorKind.InvalidArgument,
                $"Exit reason {both} is both in -ExitOn and -NoExitOn.", both);
        var controls = Controls;
        uint exceptions = ExceptionBitmap;
        foreach (var r in on.Concat(off))
        {
            bool exit = on.Contains(r);
            switch (r)
            {
                case ExitReason.Cpuid or ExitReason.Vmcall or ExitReason.Invd or ExitReason.TripleFault:
                    if (!exit) throw new VirtPSException(ErrorIds.UnconditionalExit, ErrorKind.InvalidArgument,
                        $"{r} (exit reason {(int)r}) always exits under VT-x (SDM Vol. 3C, 26.1.2); no control turns it off.", r);
                    break;
                case ExitReason.ControlRegisterAccess or ExitReason.Invlpg or ExitReason.Invpcid when !exit && Shadow != null:
                    throw ShadowNeeds(r, "guest CR3 loads and INVLPG must reach the VMM to keep the shadow page tables in step");
                case ExitReason.ExceptionOrNmi when !exit && Shadow != null:
                    throw ShadowNeeds(r, "#PF must reach the VMM to tell hidden faults from the guest's own");
                // Under nested paging the guest owns its CR3, INVLPG and exceptions: these controls may go.
                case ExitReason.ControlRegisterAccess when !exit:
                    controls = (controls & ~(VmExecutionControls.Cr3LoadExiting | VmExecutionControls.Cr3StoreExiting
                        | VmExecutionControls.Cr8LoadExiting | VmExecutionControls.Cr8StoreExiting)) | VmExecutionControls.UseTprShadow;
                    break;
                case ExitReason.Invlpg or ExitReason.Invpcid when !exit: controls &= ~VmExecutionControls.InvlpgExiting; break;
                case ExitReason.ExceptionOrNmi when !exit: exceptions = 0; break;
                case ExitReason.ControlRegisterAccess:   // every CR3 and CR8 access: the TPR shadow off
                    controls = (controls | VmExecutionControls.Cr3LoadExiting | VmExecutionControls.Cr3StoreExiting
                        | VmExecutionControls.Cr8LoadExiting | VmExecutionControls.Cr8StoreExiting) & ~VmExecutionControls.UseTprShadow;
                    break;
                case ExitReason.Invlpg or ExitReason.Invpcid: controls |= VmExecutionControls.InvlpgExiting; break;
                case ExitReason.ExceptionOrNmi: exceptions = uint.MaxValue; break;
                case ExitReason.Hlt: controls = Toggle(controls, VmExecutionControls.HltExiting, exit); break;
                case ExitReason.ExternalInterrupt: controls = Toggle(controls, VmExecutionControls.ExternalInterruptExiting, exit); break;
                case ExitReason.Wbinvd: controls = Toggle(controls, VmExecutionControls.WbinvdExiting, exit); break;
                case ExitReason.IoInstruction:
                    controls = Toggle(controls & ~VmExecutionControls.UseIoBitmaps, VmExecutionControls.UnconditionalIoExiting, exit);
                    break;
                case ExitReason.Rdmsr or ExitReason.Wrmsr:
                    // One bitmap serves reads and writes in this model: both reasons move together.
                    var pair = r == ExitReason.Rdmsr ? ExitReason.Wrmsr : ExitReason.Rdmsr;
                    if (!(exit ? on : off).Contains(pair))
                        throw new VirtPSException(ErrorIds.MsrExitsPaired, ErrorKind.InvalidArgument,
                            $"Give Rdmsr and Wrmsr together: this model keeps one MSR bitmap for reads and writes.", r);
                    controls = Toggle(controls, VmExecutionControls.UseMsrBitmaps, !exit);
                    if (!exit) MsrBitmap.Clear();
                    break;
                default:
                    throw new VirtPSException(ErrorIds.ExitReasonNotControllable, ErrorKind.InvalidArgument,
                        $"Exit reason {r} ({(int)r}) is not governed by a VM-execution control this model has; controllable: ControlRegisterAccess, ExceptionOrNmi, ExternalInterrupt, Hlt, Invlpg, Invpcid, IoInstruction, Rdmsr, Wbinvd, Wrmsr.", r);
            }
        }
        Controls = controls;
        ExceptionBitmap = exceptions;
    }

    static VmExecutionControls Toggle(VmExecutionControls c, VmExecutionControls bit, bool set) => set ? c | bit : c & ~bit;

    static VirtPSException ShadowNeeds(ExitReason r, string why) =>
        new(ErrorIds.ShadowPagingNeedsExit, ErrorKind.InvalidOperation,
            $"Cannot stop exits for {r}: this guest's memory is virtualized by shadow paging, and {why}.", r);

    bool IoExits(Processor p, Insn i, out ushort port)
    {
        port = (ushort)(i.Decoded.Op0Kind == Iced.Intel.OpKind.Immediate8 ? i.Imm
            : i.Decoded.Op1Kind == Iced.Intel.OpKind.Immediate8 ? i.Imm : p.R[(int)Gpr.Rdx]);
        if (Has(VmExecutionControls.UnconditionalIoExiting) && !Has(VmExecutionControls.UseIoBitmaps)) return true;
        return Has(VmExecutionControls.UseIoBitmaps) && IoBitmap.Contains(port);
    }

    /// <summary>Exit qualification for IO instructions (SDM Table 28-5): size-1, direction (1 = IN), string,
    /// REP, operand encoding (1 = immediate), port.</summary>
    static ulong IoQualification(Insn i, ushort port)
    {
        var m = i.Decoded.Mnemonic;
        bool input = m is Iced.Intel.Mnemonic.In or Iced.Intel.Mnemonic.Insb or Iced.Intel.Mnemonic.Insw or Iced.Intel.Mnemonic.Insd;
        bool str = m is not (Iced.Intel.Mnemonic.In or Iced.Intel.Mnemonic.Out);
        bool imm = i.Decoded.Op0Kind == Iced.Intel.OpKind.Immediate8 || i.Decoded.Op1Kind == Iced.Intel.OpKind.Immediate8;
        return (ulong)(i.Size - 1) | (input ? 8UL : 0) | (str ? 16UL : 0) | (i.Rep != RepPrefix.None ? 32UL : 0)
            | (imm ? 64UL : 0) | ((ulong)port << 16);
    }

    bool CrExits(Insn i) => (i.Sensitive, i.Op) switch
    {
        // CR0 and CR4 writes exit through their guest/host masks: the VMM owns the paging bits.
        (SensitiveOp.MovToCr, 0 or 4) => true,
        (SensitiveOp.MovToCr, 3) => Has(VmExecutionControls.Cr3LoadExiting),
        (SensitiveOp.MovFromCr, 3) => Has(VmExecutionControls.Cr3StoreExiting),
        (SensitiveOp.MovToCr, 8) => !Has(VmExecutionControls.UseTprShadow) && Has(VmExecutionControls.Cr8LoadExiting),
        (SensitiveOp.MovFromCr, 8) => !Has(VmExecutionControls.UseTprShadow) && Has(VmExecutionControls.Cr8StoreExiting),
        _ => false,   // CR0, CR2, CR4 reads come from the read shadows; CR2 writes are not intercepted
    };

    /// <summary>Exit qualification for control-register accesses (SDM Table 28-3): CR number, access type
    /// (0 = MOV to CR, 1 = MOV from CR), general-purpose register.</summary>
    static ulong CrQualification(Insn i) =>
        (ulong)i.Op | (i.Sensitive == SensitiveOp.MovFromCr ? 1UL << 4 : 0) | ((ulong)(i.Sensitive == SensitiveOp.MovToCr ? i.R1 : i.R0) << 8);

    internal override void OnDelivery(ExceptionVector vector, DeliveryKind kind, ulong rip)
    {
        // A device's interrupt (DeliveryKind.Device) was injected at VM entry or posted: no exit, only the delivery.
        bool exits = kind == DeliveryKind.External ? Has(VmExecutionControls.ExternalInterruptExiting)
            : kind == DeliveryKind.Exception && (ExceptionBitmap >> (int)vector & 1) != 0;
        if (exits)
        {
            Exit(Cpu, kind == DeliveryKind.External ? ExitReason.ExternalInterrupt : ExitReason.ExceptionOrNmi, rip,
                vector == ExceptionVector.PF ? Cpu.Cr2 : 0);
            Events.Record(GuestEvent.Injection);   // VM entry injects the event into the guest
        }
        Events.Charge(CostEvent.ExceptionDelivery);
    }

    /// <summary>EPT violations resolved by mapping guest memory, and EPT misconfigurations met.</summary>
    public long EptViolations => Events.Count(GuestEvent.VmExit, (int)ExitReason.EptViolation);
    public long EptMisconfigurations => Events.Count(GuestEvent.VmExit, (int)ExitReason.EptMisconfiguration);
    /// <summary>The last EPT-induced exit: its guest-physical address, qualification and reason.</summary>
    public EptFault? LastEptExit { get; private set; }

    /// <summary>
    /// An EPT-induced VM exit. A violation on guest memory is the guest's first touch of a frame (or 2 MiB region):
    /// the VMM maps it, as KVM's EPT fault handler does; the EPT entry writes are part of the exit's handling. A
    /// misconfiguration means the VMM's own entry is bad: it clears the entry, so the next access faults it in anew.
    /// </summary>
    bool OnEptExit(EptFault fault)
    {
        LastEptExit = fault;
        var reason = fault.Kind == EptExitKind.Misconfiguration ? ExitReason.EptMisconfiguration : ExitReason.EptViolation;
        Exit(Cpu, reason, Cpu.Ip, fault.Qualification, $"guest-physical 0x{fault.Gpa:X}");
        if (reason == ExitReason.EptMisconfiguration)
        {
            if (_nested!.Ept.EntryAddress(fault.Gpa, fault.Level) is not { } slot) return false;
            _nested.Ept.WriteEntryAt(slot, 0);
            return true;
        }
        return _nested!.Ept.Map(fault.Gpa, out _);
    }

    private protected override void EnterForShadowFault(ShadowFaultKind kind, ulong la) =>
        Exit(Cpu, ExitReason.ExceptionOrNmi, Cpu.Ip, la);   // #PF is in the exception bitmap
}
