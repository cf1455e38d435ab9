using System.Buffers.Binary;
using VirtPS.Engine.Costs;
using VirtPS.Engine.Cpu;
using VirtPS.Engine.Memory;
using VirtPS.Engine.Trace;

namespace VirtPS.Engine.Styles;

/// <summary>
/// Paravirtualization as Xen does it (Barham et al., "Xen and the Art of Virtualization", SOSP 2003): the guest
/// kernel is modified (the built-in kernel assembled with <c>PARAVIRT</c>) so that it asks the hypervisor, by
/// hypercall, for everything privileged, and batches its page-table updates. The kernel runs at CPL 0 in this
/// engine but is treated as deprivileged: a privileged instruction that still reaches the monitor is a trap
/// and an emulation, counted in <see cref="PrivilegedTraps"/> (the PV kernel makes none on its normal paths;
/// the <c>in</c> and <c>cr8wr</c> workloads exist to run such instructions, and a PV domU has no IO privilege).
///
/// <para>The hypercall ABI follows Xen's x86-64 one (xen/include/public/xen.h): number in RAX, arguments in
/// RDI, RSI, RDX, R10 (R8), result in RAX, negative errno on failure; the hypercall numbers, the structures
/// (mmu_update_t, mmuext_op, trap_info, vcpu_register_vcpu_info, sched_shutdown, the iret frame
/// rax/r11/rcx/flags/rip/cs/rflags/rsp/ss) and the sub-commands (MMUEXT_*, UVMF_*, SCHEDOP_*, CONSOLEIO_*,
/// VCPUOP_register_vcpu_info) are Xen's. Where it departs:</para>
/// <list type="bullet">
/// <item>Entry is VMCALL, not x86-64 PV's SYSCALL into Xen (its kernel runs in ring 3) or x86-32's INT 0x82;
/// VMCALL clobbers nothing, so bounce frames carry no saved RCX/R11 (Xen x86-64 pushes them) and the frame
/// is the hardware's: SS, RSP, RFLAGS, CS, RIP and, for exceptions that have one, the error code.</item>
/// <item>The domain's pseudo-physical-to-machine map is the identity (guest frame n is machine frame n), so
/// "machine frames" in page tables are guest-physical frames; the domain owns exactly its memory.</item>
/// <item>The guest kernel keeps its own selectors (0x08 kernel code, 0x23/0x1B user), not Xen's FLAT_*
/// ones, and has one page-table base for kernel and user (no NEW_USER_BASEPTR: its kernel is not in ring 3).</item>
/// <item>System time is the TSC (retired instructions), one "nanosecond" per tick, so set_timer_op deadlines
/// count what the APIC timer counts.</item>
/// <item>The kernel's direct map (2 MiB supervisor pages of its own memory, as Xen keeps a direct map in its
/// hypervisor slots) is accepted when its table is validated; the frame and type rules are enforced for
/// every 4 KiB entry and every user mapping.</item>
/// </list>
///
/// <para>Memory is direct paging: the MMU walks the guest's own tables (no shadow). The hypervisor validates
/// every update (mmu_update, update_va_mapping) and types page-table frames as Xen does with its type counts:
/// a frame reachable from a pinned table or the base pointer is an Ln page table and may not be mapped
/// writable; a frame mapped writable may not become a page table; entries must name frames of the domain;
/// updates must target a page-table frame. A refused update returns -EINVAL and is counted.</para>
///
/// <para>Events: Xen takes every exception and interrupt first and bounces it to the handler the guest
/// registered with set_trap_table (a Trap and an InterruptInjection); the kernel's scheduling tick, a
/// performance-counter overflow of Xen's virtual PMU (xenpmu_op; the counter MSRs by trapped WRMSR), arrives as an
/// event (VIRQ_XENPMU) on the callback registered with set_callbacks, as set_timer_op's timer would; a user SYSCALL enters Xen and is bounced to the syscall callback
/// (Syscall + InterruptInjection); returns to user mode are the iret hypercall (Hypercall + IRET or SYSRET,
/// as Xen returns). The guest's virtual IF is the upcall mask byte of its vcpu_info, a plain memory byte the
/// hypervisor reads at every hypercall and keeps in step with what it delivers.</para>
/// </summary>
public sealed class Paravirtual : Vmm
{
    // ---- Xen's numbers (xen/include/public/xen.h, sched.h, vcpu.h, callback.h) ----
    public const int SetTrapTable = 0, MmuUpdate = 1, StackSwitch = 3, SetCallbacks = 4, UpdateVaMapping = 14,
        SetTimerOp = 15, ConsoleIo = 18, Iret = 23, VcpuOp = 24, MmuextOp = 26, SchedOp = 29, XenpmuOp = 40;
    static readonly Dictionary<int, string> Names = new()
    {
        [SetTrapTable] = "set_trap_table", [MmuUpdate] = "mmu_update", [StackSwitch] = "stack_switch",
        [SetCallbacks] = "set_callbacks", [UpdateVaMapping] = "update_va_mapping", [SetTimerOp] = "set_timer_op",
        [ConsoleIo] = "console_io", [Iret] = "iret", [VcpuOp] = "vcpu_op", [MmuextOp] = "mmuext_op", [SchedOp] = "sched_op",
        [XenpmuOp] = "xenpmu_op",
    };
    // xen/include/public/pmu.h: the xenpmu_op sub-commands this hypervisor offers, and where xen_pmu_data keeps the LVT entry.
    const int XenpmuInit = 4, XenpmuLvtpcSet = 6, XenpmuFlush = 7;
    const ulong XenpmuLapicLvtpc = 88;
    const int MmuextPinL1 = 0, MmuextPinL4 = 3, MmuextUnpin = 4, MmuextNewBaseptr = 5, MmuextTlbFlushLocal = 6, MmuextInvlpgLocal = 7;
    const ulong UvmfInvlpg = 2, UvmfTlbFlush = 1, UvmfFlushMask = 3;
    const int SchedopYield = 0, SchedopBlock = 1, SchedopShutdown = 2;
    const int VcpuopRegisterVcpuInfo = 10;
    const ulong VgcfInSyscall = 1UL << 8;
    const ulong DomidSelf = 0x7FF0;
    /// <summary>trap_info.flags bit 2: events are masked on entry (an interrupt gate rather than a trap gate).</summary>
    const byte TiMaskEvents = 4;
    public const long EINVAL = -22, EFAULT = -14, ENOSYS = -38, EPERM = -1, ESRCH = -3;

    // vcpu_info (xen.h): evtchn_upcall_pending at 0, evtchn_upcall_mask at 1, arch.cr2 at 16.
    const ulong VcpuPending = 0, VcpuMask = 1, VcpuCr2 = 16;
    /// <summary>The vector the hypervisor's own timer uses on the local APIC (the native kernel's timer vector,
    /// so the task-priority rules that gate it are the same).</summary>
    const int TimerVector = 0x20;
    /// <summary>The hypervisor's vector for counter overflows (Xen's PMU_APIC_VECTOR): the guest's LVT entry gives only the mask.</summary>
    const int PmiVector = 0x21;
    const ulong AddrMask = 0x000F_FFFF_FFFF_F000;
    const ulong Present = 1, Writable = 2, User = 4, PageSize = 0x80;

    readonly Dictionary<int, (ulong Address, byte Flags, ushort Cs)> _traps = [];
    ulong _eventCallback, _failsafeCallback, _syscallCallback;
    ulong _kernelSp;
    ushort _kernelSs;
    ulong _vcpuInfo;   // guest-physical; 0 until registered
    ulong _xenpmuData; // guest-physical xen_pmu_data page; 0 until XENPMU_init
    readonly DirectPagingMmu _mmu;

    public Paravirtual(Machine machine) : base(machine, m => new DirectPagingMmu(m.Memory))
    {
        _mmu = (DirectPagingMmu)Mmu;
        _mmu.Refused = () => Events.Record(GuestEvent.RefusedUpdate);
        // Xen owns the SYSCALL MSRs: user SYSCALL enters the hypervisor, which bounces it to the guest.
        Cpu.Efer |= Processor.EferSCE;
        Cpu.Star = 0x0010_0008UL << 32;
        Cpu.Fmask = (ulong)(RFlags.IF | RFlags.TF | RFlags.DF);
    }

    public override VirtualizationStyle Style => VirtualizationStyle.Paravirtual;

    /// <summary>Hypercalls made so far, by Xen's name (mmu_update, iret, ...).</summary>
    public IReadOnlyDictionary<string, long> Hypercalls =>
        Events.ByCode(GuestEvent.Hypercall).Where(c => Names.ContainsKey(c.Code)).ToDictionary(c => Names[c.Code], c => c.Count);
    public long TotalHypercalls => Events[GuestEvent.Hypercall];
    /// <summary>Xen's name of hypercall <paramref name="number"/>, or null for one this hypervisor does not offer.</summary>
    public static string? HypercallName(int number) => Names.GetValueOrDefault(number);
    /// <summary>Page-table updates validated inside mmu_update batches, and the largest batch.</summary>
    public long MmuUpdateEntries => Events.Count(GuestEvent.HypercallBatchEntry, MmuUpdate);
    public long LargestMmuUpdateBatch { get; private set; }
    /// <summary>Updates the hypervisor refused (-EINVAL): a frame outside the domain, a page table mapped
    /// writable, a target that is not a page table, a writable frame typed as a page table.</summary>
    public long RefusedUpdates => Events[GuestEvent.RefusedUpdate];
    /// <summary>Privileged instructions that reached the hypervisor anyway (trapped and emulated), by mnemonic.</summary>
    public IReadOnlyDictionary<string, long> PrivilegedTraps =>
        Events.ByCode(GuestEvent.PrivilegedInstruction).ToDictionary(c => ((Iced.Intel.Mnemonic)c.Code).ToString().ToLowerInvariant(), c => c.Count);
    /// <summary>Frames currently typed as page tables.</summary>
    public int PageTableFrames => _mmu.PageTableFrames;
    /// <summary>Counter overflows delivered to the guest as VIRQ_XENPMU events.</summary>
    public long PmuEvents => Events[GuestEvent.VirtualPmi];
    /// <summary>The reason of the domain's SCHEDOP_shutdown (0 poweroff, 3 crash), or null while it runs.</summary>
    public int? ShutdownReason { get; private set; }

    // ---- instructions that reach the hypervisor ----

    internal override void Intercept(Processor p, Insn i)
    {
        var op = i.Sensitive;
        if (p.Cpl == 3)
        {
            if (op == SensitiveOp.Syscall) { SyscallBounce(p, i); return; }
            Execute(p, i);   // VMCALL from user mode is #UD, as the bare machine gives it
            CountHardware(p, i);
            return;
        }
        if (op == SensitiveOp.Vmcall) { Hypercall(p, i); return; }
        if (SensitiveOps.IsPrivileged(op))
        {
            // The guest kernel is deprivileged: the instruction faults into the hypervisor, which emulates it.
            string m = i.Decoded.Mnemonic.ToString().ToLowerInvariant();
            Events.Record(GuestEvent.PrivilegedInstruction, (int)i.Decoded.Mnemonic);
            Events.Record(GuestEvent.Trap);
            Events.Record(GuestEvent.Emulation);
            if (op == SensitiveOp.PortIo) EmulateDevice(PortOf(p, i), "Trap");
            Events.Note(i.Ip, $"trap: privileged {m} in a paravirtual kernel");
            Execute(p, i);
            return;
        }
        Execute(p, i);
        CountHardware(p, i);
    }

    void Hypercall(Processor p, Insn i)
    {
        ulong nr = p.R[(int)Gpr.Rax];
        ulong a1 = p.R[(int)Gpr.Rdi], a2 = p.R[(int)Gpr.Rsi], a3 = p.R[(int)Gpr.Rdx], a4 = p.R[10];
        Events.Record(GuestEvent.Hypercall, i.Ip, $"hypercall {nr} ({Names.GetValueOrDefault((int)Math.Min(nr, 64), "?")})", (int)Math.Min(nr, 255));
        SyncVirtualIf(p);
        using var _ = p.Supervisor();
        long r;
        try
        {
            switch ((int)Math.Min(nr, int.MaxValue))
            {
                case Iret: DoIret(p); return;   // RAX comes from the frame
                case SetTrapTable: r = DoSetTrapTable(p, a1); break;
                case MmuUpdate: r = DoMmuUpdate(p, a1, a2, a3, a4); break;
                case StackSwitch: _kernelSs = (ushort)a1; _kernelSp = a2; r = 0; break;
                case SetCallbacks: _eventCallback = a1; _failsafeCallback = a2; _syscallCallback = a3; r = 0; break;
                case UpdateVaMapping: r = DoUpdateVaMapping(p, a1, a2, a3); break;
                case SetTimerOp: r = DoSetTimer(p, i, a1); break;
                case ConsoleIo: r = DoConsoleIo(p, a1, a2, a3); break;
                case VcpuOp: r = DoVcpuOp(p, a1, a2, a3); break;
                case MmuextOp: r = DoMmuextOp(p, i, a1, a2, a3, a4); break;
                case SchedOp: r = DoSchedOp(p, a1, a2); break;
                case XenpmuOp: r = DoXenpmuOp(p, a1, a2); break;
                default: r = ENOSYS; break;
            }
        }
        catch (GuestFault) { r = EFAULT; }   // copy_from_guest failed: the guest gave an address it cannot read
        p.R[(int)Gpr.Rax] = (ulong)r;
    }

    // ---- the virtual IF: the upcall mask byte ----

    bool Masked => _vcpuInfo == 0 || Machine.Memory.Frame(_vcpuInfo >> 12)[(_vcpuInfo & 0xFFF) + VcpuMask] != 0;

    void SetMask(Processor p, bool masked)
    {
        if (_vcpuInfo != 0) Machine.Memory.Frame(_vcpuInfo >> 12)[(_vcpuInfo & 0xFFF) + VcpuMask] = masked ? (byte)1 : (byte)0;
        p.SetFlag(RFlags.IF, !masked);
    }

    /// <summary>The guest may have written its mask byte: the real IF (which gates event delivery here)
    /// follows it from the hypervisor's next entry on.</summary>
    void SyncVirtualIf(Processor p) => p.SetFlag(RFlags.IF, !Masked);

    void WriteVcpu(ulong offset, ulong value)
    {
        if (_vcpuInfo == 0) return;
        BinaryPrimitives.WriteUInt64LittleEndian(Machine.Memory.Frame(_vcpuInfo >> 12).AsSpan((int)((_vcpuInfo & 0xFFF) + offset)), value);
    }

    // ---- events: bounce frames ----

    internal override void OnDelivery(ExceptionVector vector, DeliveryKind kind, ulong rip)
    {
        // A device's interrupt was injected when raised: only the delivery is left.
        if (kind == DeliveryKind.Device) { base.OnDelivery(vector, kind, rip); return; }
        Events.Record(GuestEvent.Trap);        // Xen takes it first ...
        Events.Record(GuestEvent.Injection);   // ... and builds the guest's bounce frame
    }

    internal override void Bounce(ExceptionVector vector, ulong? errorCode, ulong returnRip, bool software)
    {
        var p = Cpu;
        int v = (int)vector;
        if (!software && v >= 32)
        {
            // The hypervisor's own timer or counter overflow: acknowledged by Xen, then an event upcall to the
            // guest's callback (VIRQ_TIMER, VIRQ_XENPMU).
            if (v == PmiVector) Events.Record(GuestEvent.VirtualPmi);
            p.Apic.Write(LocalApic.MsrEoi, 0, p.Tsc);
            if (_vcpuInfo != 0) Machine.Memory.Frame(_vcpuInfo >> 12)[(_vcpuInfo & 0xFFF) + VcpuPending] = 1;
            if (_eventCallback == 0) return;
            PushBounceFrame(p, _eventCallback, 0x08, true, null, returnRip, p.Cs, p.Ss, p.R[(int)Gpr.Rsp], p.Rflags);
            return;
        }
        if (!_traps.TryGetValue(v, out var t) || t.Address == 0)
            throw software ? new GuestFault(ExceptionVector.GP, (ulong)v * 8 + 2, null, $"INT {v}: no trap-table entry")
                : new GuestFault(ExceptionVector.NP, (ulong)v * 8 + 3, null, $"vector {v} has no trap-table entry");
        if (software && (t.Flags & 3) < p.Cpl)
            throw new GuestFault(ExceptionVector.GP, (ulong)v * 8 + 2, null, $"INT {v} from CPL {p.Cpl} to a DPL {t.Flags & 3} entry");
        if (vector == ExceptionVector.PF) WriteVcpu(VcpuCr2, p.Cr2);   // PV kernels read CR2 from vcpu_info
        PushBounceFrame(p, t.Address, t.Cs, (t.Flags & TiMaskEvents) != 0, errorCode, returnRip, p.Cs, p.Ss, p.R[(int)Gpr.Rsp], p.Rflags);
    }

    /// <summary>Xen's create_bounce_frame: onto the guest kernel's stack (the one stack_switch named, when the
    /// event interrupted user mode), the interrupted SS, RSP, RFLAGS (IF = the virtual IF), CS, RIP and error
    /// code; then the guest kernel runs the handler, with events masked if it asked for that.</summary>
    void PushBounceFrame(Processor p, ulong handler, ushort cs, bool mask, ulong? errorCode, ulong rip, ushort fromCs, ushort fromSs, ulong fromRsp, ulong flags)
    {
        using var _ = p.Supervisor();
        bool fromUser = (fromCs & 3) == 3;
        if (fromUser && _kernelSp == 0) throw new GuestFault(ExceptionVector.TS, 0, null, "no kernel stack registered with stack_switch");
        ulong rsp = (fromUser ? _kernelSp : fromRsp) & ~0xFUL;
        flags = Masked ? flags & ~(ulong)RFlags.IF : flags | (ulong)RFlags.IF;
        Span<ulong> frame = [fromSs, fromRsp, flags, fromCs, rip, errorCode ?? 0];
        int n = errorCode.HasValue ? 6 : 5;
        for (int k = 0; k < n; k++) p.Write64(rsp - 8 * (ulong)(k + 1), frame[k]);
        p.R[(int)Gpr.Rsp] = rsp - 8 * (ulong)n;
        if (fromUser) p.Ss = _kernelSs;
        p.Cs = (ushort)(cs & ~3);
        p.Ip = handler;
        p.Rflags = flags & ~(ulong)(RFlags.TF | RFlags.NT | RFlags.RF | RFlags.VM);
        if (mask) SetMask(p, true); else SyncVirtualIf(p);
    }

    /// <summary>User SYSCALL: the hardware enters Xen (its LSTAR); Xen bounces to the registered syscall
    /// callback on the guest kernel's stack, with RCX and R11 as SYSCALL left them and events masked.</summary>
    void SyscallBounce(Processor p, Insn i)
    {
        ushort cs = p.Cs, ss = p.Ss;
        ulong rsp = p.R[(int)Gpr.Rsp], flags = p.Rflags;
        Execute(p, i);
        CountHardware(p, i);
        Events.Record(GuestEvent.Injection);
        if (_syscallCallback == 0) throw new GuestFault(ExceptionVector.UD, null, null, "SYSCALL with no syscall callback registered");
        Events.Note(i.Ip, "SYSCALL bounced to the guest kernel's callback");
        p.Rflags = flags;   // the frame records the user's flags; PushBounceFrame masks
        PushBounceFrame(p, _syscallCallback, 0x08, true, null, i.NextIp, cs, ss, rsp, flags);
    }

    /// <summary>HYPERVISOR_iret: RSP points at rax, r11, rcx, flags, rip, cs, rflags, rsp, ss (Xen's iret
    /// context). Returns to user or kernel mode; the upcall mask follows the restored IF.</summary>
    void DoIret(Processor p)
    {
        ulong sp = p.R[(int)Gpr.Rsp];
        Span<ulong> f = stackalloc ulong[9];
        try { for (int k = 0; k < 9; k++) f[k] = p.Read64(sp + 8 * (ulong)k); }
        catch (GuestFault) { p.R[(int)Gpr.Rax] = unchecked((ulong)EFAULT); return; }
        ulong cs = f[5];
        if ((cs & 3) is not (0 or 3) || !Processor.Canonical(f[4])) { p.R[(int)Gpr.Rax] = unchecked((ulong)EINVAL); return; }
        Events.Charge((f[3] & VgcfInSyscall) != 0 ? CostEvent.Sysret : CostEvent.Iret);   // Xen returns by SYSRET or IRET
        p.R[(int)Gpr.Rax] = f[0];
        p.R[11] = f[1];
        p.R[(int)Gpr.Rcx] = f[2];
        p.Rflags = f[6] & ~(ulong)(RFlags.IOPL | RFlags.VM);
        p.Cs = (ushort)cs;
        p.Ss = (ushort)f[8];
        p.R[(int)Gpr.Rsp] = f[7];
        p.Ip = f[4];
        SetMask(p, (f[6] & (ulong)RFlags.IF) == 0);
    }

    long DoSetTrapTable(Processor p, ulong table)
    {
        _traps.Clear();
        for (ulong at = table; table != 0; at += 16)
        {
            ulong lo = p.Read64(at), address = p.Read64(at + 8);
            if (address == 0) break;
            _traps[(int)(lo & 0xFF)] = (address, (byte)(lo >> 8), (ushort)(lo >> 16));
            if (_traps.Count > 256) return EINVAL;
        }
        p.VmmDelivers = true;
        return 0;
    }

    long DoVcpuOp(Processor p, ulong cmd, ulong vcpu, ulong arg)
    {
        if (cmd != VcpuopRegisterVcpuInfo) return ENOSYS;
        if (vcpu != 0) return EINVAL;
        ulong mfn = p.Read64(arg), offset = p.Read32(arg + 8);
        if (offset + 64 > 0x1000 || !Machine.Memory.Contains(mfn << 12, 0x1000)) return EINVAL;
        _vcpuInfo = (mfn << 12) + offset;
        SyncVirtualIf(p);
        return 0;
    }

    long DoSetTimer(Processor p, Insn i, ulong timeout)
    {
        var apic = p.Apic;
        long now = Semantics.Tsc(p, i);
        apic.Write(LocalApic.MsrSvr, 0x1FF, now);
        apic.Write(LocalApic.MsrTimerDivide, 0xB, now);           // divide by 1: the timer counts TSC ticks
        apic.Write(LocalApic.MsrLvtTimer, TimerVector, now);      // one-shot
        long delta = timeout == 0 ? 0 : Math.Clamp((long)Math.Min(timeout, long.MaxValue) - now, 1, uint.MaxValue);
        apic.Write(LocalApic.MsrTimerInitial, (ulong)delta, now); // a deadline already past fires at once
        return 0;
    }

    /// <summary>
    /// Xen's virtual PMU for PV guests (xenpmu_op, XENPMU_MODE_SELF): XENPMU_init shares a xen_pmu_data page;
    /// XENPMU_lvtpc_set applies the LVT entry the guest left in it (only its mask bit: the vector is the
    /// hypervisor's); XENPMU_flush ends the guest's PMI handling and unmasks the entry the PMI masked. The counter
    /// MSRs themselves are not hypercalls: the kernel's WRMSR traps and is emulated (see <see cref="PrivilegedTraps"/>),
    /// as Xen's vpmu_do_wrmsr does, so the counter counts the guest's own instructions at the CPL it filters on.
    /// Departures: no mode_set (the mode is SELF), no register snapshot or cached context in the page.
    /// </summary>
    long DoXenpmuOp(Processor p, ulong op, ulong arg)
    {
        switch ((int)Math.Min(op, int.MaxValue))
        {
            case XenpmuInit:
            {
                ulong gfn = p.Read64(arg + 8), vcpu = p.Read32(arg + 16);
                if (vcpu != 0) return EINVAL;
                if (!Machine.Memory.Contains(gfn << 12, 0x1000)) return EINVAL;
                _xenpmuData = gfn << 12;
                p.Apic.Write(LocalApic.MsrSvr, 0x1FF, p.Tsc);   // the hypervisor's APIC is software-enabled
                return 0;
            }
            case XenpmuLvtpcSet or XenpmuFlush:
            {
                if (_xenpmuData == 0) return EINVAL;
                uint lvtpc = BinaryPrimitives.ReadUInt32LittleEndian(Machine.Memory.Frame(_xenpmuData >> 12).AsSpan((int)XenpmuLapicLvtpc));
                p.Apic.Write(LocalApic.MsrLvtPmi, PmiVector | (lvtpc & 0x1_0000UL), p.Tsc);
                return 0;
            }
            default: return ENOSYS;
        }
    }

    long DoConsoleIo(Processor p, ulong cmd, ulong count, ulong str)
    {
        if (cmd != 0) return ENOSYS;   // CONSOLEIO_write only
        if (count > 1 << 20) return EINVAL;
        var bytes = new byte[count];
        for (ulong k = 0; k < count; k++) bytes[k] = p.Read8(str + k);   // all of it readable before any is written
        foreach (var b in bytes) Machine.Console.Out(Io.Uart16550.Com1, 1, b);
        return 0;
    }

    long DoSchedOp(Processor p, ulong cmd, ulong arg)
    {
        switch ((int)Math.Min(cmd, int.MaxValue))
        {
            case SchedopYield: return 0;   // one vCPU and one domain: nothing else to run
            case SchedopBlock:
                SetMask(p, false);          // blocking enables event delivery; wakes on the next event
                p.Halted = true;
                return 0;
            case SchedopShutdown:
                ShutdownReason = (int)p.Read32(arg);
                SetMask(p, true);
                p.Halted = true;            // masked and halted: the machine stops
                return 0;
            default: return ENOSYS;
        }
    }

    // ---- memory: validated direct paging ----

    long DoMmuUpdate(Processor p, ulong req, ulong count, ulong doneOut, ulong domid)
    {
        if ((domid & 0xFFFF) != DomidSelf) return EPERM;
        long done = 0, r = 0;
        for (ulong k = 0; k < count; k++)
        {
            ulong ptr = p.Read64(req + 16 * k), val = p.Read64(req + 16 * k + 8);
            Events.Record(GuestEvent.HypercallBatchEntry, MmuUpdate);
            if ((ptr & 3) is not (0 or 2)) { r = EINVAL; Events.Record(GuestEvent.RefusedUpdate); break; }   // MMU_NORMAL_PT_UPDATE, MMU_PT_UPDATE_PRESERVE_AD
            if ((r = _mmu.Update(ptr & ~3UL, val)) < 0) break;
            done++;
        }
        LargestMmuUpdateBatch = Math.Max(LargestMmuUpdateBatch, done);
        if (doneOut != 0) p.Write32(doneOut, (uint)done);
        return r;
    }

    long DoUpdateVaMapping(Processor p, ulong va, ulong val, ulong flags)
    {
        long r = _mmu.UpdateVa(p.Cr3, va, val);
        if (r < 0) return r;
        Flush(p, va, flags & UvmfFlushMask);
        return 0;
    }

    void Flush(Processor p, ulong va, ulong how)
    {
        if (how == UvmfInvlpg) { Events.Charge(CostEvent.Invlpg); Events.Record(GuestEvent.Invlpg); p.FlushHostPages(); }
        else if (how == UvmfTlbFlush) p.FlushHostPages();
    }

    long DoMmuextOp(Processor p, Insn i, ulong ops, ulong count, ulong doneOut, ulong domid)
    {
        if ((domid & 0xFFFF) != DomidSelf) return EPERM;
        long done = 0, r = 0;
        for (ulong k = 0; k < count && r == 0; k++)
        {
            ulong at = ops + 24 * k;
            int cmd = (int)p.Read32(at);
            ulong arg1 = p.Read64(at + 8);
            Events.Record(GuestEvent.HypercallBatchEntry, MmuextOp);
            switch (cmd)
            {
                case >= MmuextPinL1 and <= MmuextPinL4:
                    r = _mmu.Pin(arg1, cmd + 1);
                    break;
                case MmuextUnpin:
                    if (!_mmu.Unpin(arg1)) r = EINVAL;
                    break;
                case MmuextNewBaseptr:
                    r = NewBaseptr(p, i, arg1);
                    break;
                case MmuextTlbFlushLocal: p.FlushHostPages(); break;
                case MmuextInvlpgLocal: Flush(p, arg1, UvmfInvlpg); break;
                default: r = ENOSYS; break;
            }
            if (r == 0) done++;
        }
        if (doneOut != 0) p.Write32(doneOut, (uint)done);
        return r;
    }

    long NewBaseptr(Processor p, Insn i, ulong mfn)
    {
        if (_mmu.NewBaseptr(mfn) is var r and < 0) return r;
        // What MOV CR3 does, done by the hypervisor on the guest's behalf.
        ulong cr3 = mfn << 12;
        bool changed = cr3 != p.Cr3;
        p.Cr3 = cr3;
        Events.Record(GuestEvent.Cr3Load);
        Events.Charge(CostEvent.Cr3Load);
        if (changed) p.Report(Trace.TraceKind.ContextSwitch, i.Ip, 0);
        p.FlushHostPages();
        return 0;
    }
}
