using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using VirtPS.Engine.Memory;

namespace VirtPS.Engine.Cpu;

/// <summary>
/// One logical processor's architectural state (Intel SDM Vol. 1, ch. 3): general registers, RIP, RFLAGS.
/// The six status flags are kept lazily: an arithmetic instruction records its operands and result, and
/// a flag is derived only when something reads it (Jcc, SETcc, PUSHF, ...). Most results are never read,
/// so this saves the flag computation on almost every instruction.
/// </summary>
public sealed partial class Processor
{
    /// <summary>Register-file slots past the 16 GPRs: a constant zero (for absent base/index/segment) and the FS/GS bases.</summary>
    internal const int ZeroSlot = 16, FsSlot = 17, GsSlot = 18;

    internal readonly ulong[] R = new ulong[19];
    internal ulong Ip;
    ulong _flags = (ulong)RFlags.Reserved1;   // status bits valid only while FOp == None

    /// <summary>Set by HLT; the run loop stops after the block.</summary>
    internal bool Halted;
    /// <summary>Set by a REP string instruction that yielded before finishing: it has not retired yet.</summary>
    internal bool Unretired;
    /// <summary>Translated code writes the index of the instruction it is about to run here, so the run loop
    /// knows which instruction raised a fault (the interpreter loop has it in a local).</summary>
    internal int BlockIndex;
    /// <summary>Compiled code that loops inside a block writes here the instructions its earlier, whole passes retired,
    /// so a fault in a later pass is charged exactly (0 outside such a loop; the run loop clears it).</summary>
    internal int BlockDone;

    internal LazyOp FOp;
    internal ulong FA, FB, FRes, FMask;
    internal bool FCin;                        // ADC/SBB carry-in; INC/DEC: the CF they preserve

    internal Processor(PhysicalMemory mem)
    {
        Mem = mem;
        Pmu = new PerformanceMonitoring(Apic);
        Ledger = new Trace.EventLedger { Reporter = Report };
        Events = new MachineEvents(Ledger);
        Mmu = new Memory.NativeMmu(mem);
        InitMemory();
    }

    public ulong Rip { get => Ip; set => Ip = value; }

    public ulong GetGpr(Gpr r) => R[(int)r];
    public void SetGpr(Gpr r, ulong value) => R[(int)r] = value;
    public ulong FsBase { get => R[FsSlot]; set => R[FsSlot] = value; }
    public ulong GsBase { get => R[GsSlot]; set => R[GsSlot] = value; }

    /// <summary>RFLAGS with every status flag computed. Bit 1 always reads as 1.</summary>
    public ulong Rflags
    {
        get { Materialize(); return _flags; }
        set { FOp = LazyOp.None; _flags = (value & 0x3F7FD5UL) | (ulong)RFlags.Reserved1; }
    }

    /// <summary>Current privilege level: CS's RPL. The machine starts at CPL 0, as a kernel loaded by Firecracker does.</summary>
    public int Cpl => Cs & 3;

    internal bool DF => (_flags & (ulong)RFlags.DF) != 0;
    internal bool IF => (_flags & (ulong)RFlags.IF) != 0;
    /// <summary>RFLAGS.IOPL: the least privileged level allowed to use CLI/STI, IN/OUT and POPF's IF.</summary>
    internal int Iopl => (int)(_flags >> 12) & 3;

    internal void SetFlag(RFlags f, bool on)
    {
        Materialize();
        _flags = on ? _flags | (ulong)f : _flags & ~(ulong)f;
    }

    /// <summary>Replaces the status flags given in <paramref name="which"/> with those in <paramref name="values"/>.</summary>
    internal void SetStatus(RFlags which, ulong values)
    {
        if (which == RFlags.Status) FOp = LazyOp.None;   // all six replaced: nothing pending needs computing
        else Materialize();
        _flags = (_flags & ~(ulong)which) | (values & (ulong)which);
    }

    /// <summary>A register-file slot without a bounds check: decode only produces indices 0..18.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal ref ulong Reg(int index) => ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(R), index);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void SetLazy(LazyOp op, ulong a, ulong b, ulong res, ulong mask)
    {
        FOp = op; FA = a; FB = b; FRes = res; FMask = mask;
    }

    /// <summary>Folds pending lazy flags into RFLAGS.</summary>
    internal void Materialize()
    {
        if (FOp == LazyOp.None) return;
        ulong f = _flags & ~(ulong)RFlags.Status;
        if (CF) f |= (ulong)RFlags.CF;
        if (PF) f |= (ulong)RFlags.PF;
        if (AF) f |= (ulong)RFlags.AF;
        if (ZF) f |= (ulong)RFlags.ZF;
        if (SF) f |= (ulong)RFlags.SF;
        if (OF) f |= (ulong)RFlags.OF;
        _flags = f;
        FOp = LazyOp.None;
    }

    // The flags as functions of the lazy record (op, a, b, res, mask, carry-in) and the materialized bits: the instance
    // getters below pass the processor's fields; compiled blocks pass their locals, with op and mask constant, so the
    // JIT folds each to the one expression it needs. One definition serves both engines.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool LazyCF(LazyOp op, ulong a, ulong b, ulong r, ulong m, bool cin, ulong flags) => op switch
    {
        LazyOp.None => (flags & (ulong)RFlags.CF) != 0,
        LazyOp.Add => (r & m) < (a & m),
        LazyOp.Adc => cin ? (r & m) <= (a & m) : (r & m) < (a & m),
        LazyOp.Sub => (a & m) < (b & m),
        LazyOp.Sbb => cin ? (a & m) <= (b & m) : (a & m) < (b & m),
        LazyOp.Inc or LazyOp.Dec => cin,
        _ => false,
    };

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool LazyZF(LazyOp op, ulong r, ulong m, ulong flags) => op == LazyOp.None ? (flags & (ulong)RFlags.ZF) != 0 : (r & m) == 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool LazySF(LazyOp op, ulong r, ulong m, ulong flags) => op == LazyOp.None ? (flags & (ulong)RFlags.SF) != 0 : (r & (m ^ (m >> 1))) != 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool LazyPF(LazyOp op, ulong r, ulong flags) => op == LazyOp.None ? (flags & (ulong)RFlags.PF) != 0 : Parity(r);

    // AF is the carry out of bit 3; for the logical operations the SDM leaves it undefined and
    // current Intel cores clear it.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool LazyAF(LazyOp op, ulong a, ulong b, ulong r, ulong flags) => op switch
    {
        LazyOp.None => (flags & (ulong)RFlags.AF) != 0,
        LazyOp.Logic => false,
        _ => ((a ^ b ^ r) & 0x10) != 0,
    };

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool LazyOF(LazyOp op, ulong a, ulong b, ulong r, ulong m, ulong flags) => op switch
    {
        LazyOp.None => (flags & (ulong)RFlags.OF) != 0,
        LazyOp.Add or LazyOp.Adc or LazyOp.Inc => ((a ^ r) & (b ^ r) & (m ^ (m >> 1))) != 0,
        LazyOp.Sub or LazyOp.Sbb or LazyOp.Dec => ((a ^ b) & (a ^ r) & (m ^ (m >> 1))) != 0,
        _ => false,
    };

    /// <summary>Evaluates a condition code tttn (Intel SDM Vol. 1, Appendix B, Table B-1) on a lazy record.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool LazyCondition(LazyOp op, ulong a, ulong b, ulong r, ulong m, bool cin, ulong flags, int cc)
    {
        bool v = (cc >> 1) switch
        {
            0 => LazyOF(op, a, b, r, m, flags),
            1 => LazyCF(op, a, b, r, m, cin, flags),
            2 => LazyZF(op, r, m, flags),
            3 => LazyCF(op, a, b, r, m, cin, flags) || LazyZF(op, r, m, flags),
            4 => LazySF(op, r, m, flags),
            5 => LazyPF(op, r, flags),
            6 => LazySF(op, r, m, flags) != LazyOF(op, a, b, r, m, flags),
            _ => LazyZF(op, r, m, flags) || LazySF(op, r, m, flags) != LazyOF(op, a, b, r, m, flags),
        };
        return v ^ ((cc & 1) != 0);
    }

    internal bool CF => LazyCF(FOp, FA, FB, FRes, FMask, FCin, _flags);

    internal bool ZF
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => LazyZF(FOp, FRes, FMask, _flags);
    }

    internal bool SF => LazySF(FOp, FRes, FMask, _flags);

    internal bool PF => LazyPF(FOp, FRes, _flags);

    internal bool AF => LazyAF(FOp, FA, FB, FRes, _flags);

    internal bool OF => LazyOF(FOp, FA, FB, FRes, FMask, _flags);

    /// <summary>PF is set when the low byte of the result has an even number of 1 bits.</summary>
    internal static bool Parity(ulong v) => (BitOperations.PopCount(v & 0xFF) & 1) == 0;

    /// <summary>Evaluates a condition code tttn (Intel SDM Vol. 1, Appendix B, Table B-1).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal bool Condition(int cc) => LazyCondition(FOp, FA, FB, FRes, FMask, FCin, _flags, cc);

    /// <summary>The status flags as bits, for instructions that compute some flags and keep others.</summary>
    internal ulong StatusBits() { Materialize(); return _flags & (ulong)RFlags.Status; }

    /// <summary>Sets SF, ZF and PF from a result, as most instructions that define them do.</summary>
    internal static ulong SzpBits(ulong res, ulong mask)
    {
        ulong f = 0;
        if ((res & mask) == 0) f |= (ulong)RFlags.ZF;
        if ((res & (mask ^ (mask >> 1))) != 0) f |= (ulong)RFlags.SF;
        if (Parity(res)) f |= (ulong)RFlags.PF;
        return f;
    }
}
