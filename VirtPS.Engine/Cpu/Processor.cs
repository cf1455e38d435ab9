using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using VirtPS.Engine.Memory;

namespace VirtPS.Engine.Cpu;

/// <summary>The arithmetic operation whose flags are pending (lazy flags: computed only when read).</summary>
internal enum LazyOp : byte { None, Add, Adc, Sub, Sbb, Logic, Inc, Dec }

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

    ulong Sign => FMask ^ (FMask >> 1);

    internal bool CF => FOp switch
    {
        LazyOp.None => (_flags & (ulong)RFlags.CF) != 0,
        LazyOp.Add => (FRes & FMask) < (FA & FMask),
        LazyOp.Adc => FCin ? (FRes & FMask) <= (FA & FMask) : (FRes & FMask) < (FA & FMask),
        LazyOp.Sub => (FA & FMask) < (FB & FMask),
        LazyOp.Sbb => FCin ? (FA & FMask) <= (FB & FMask) : (FA & FMask) < (FB & FMask),
        LazyOp.Inc or LazyOp.Dec => FCin,
        _ => false,
    };

    internal bool ZF
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => FOp == LazyOp.None ? (_flags & (ulong)RFlags.ZF) != 0 : (FRes & FMask) == 0;
    }

    internal bool SF => FOp == LazyOp.None ? (_flags & (ulong)RFlags.SF) != 0 : (FRes & Sign) != 0;

    internal bool PF => FOp == LazyOp.None ? (_flags & (ulong)RFlags.PF) != 0 : Parity(FRes);

    // AF is the carry out of bit 3; for the logical operations the SDM leaves it undefined and
    // current Intel cores clear it.
    internal bool AF => FOp switch
    {
        LazyOp.None => (_flags & (ulong)RFlags.AF) != 0,
        LazyOp.Logic => false,
        _ => ((FA ^ FB ^ FRes) & 0x10) != 0,
    };

    internal bool OF => FOp switch
    {
        LazyOp.None => (_flags & (ulong)RFlags.OF) != 0,
        LazyOp.Add or LazyOp.Adc or LazyOp.Inc => ((FA ^ FRes) & (FB ^ FRes) & Sign) != 0,
        LazyOp.Sub or LazyOp.Sbb or LazyOp.Dec => ((FA ^ FB) & (FA ^ FRes) & Sign) != 0,
        _ => false,
    };

    /// <summary>PF is set when the low byte of the result has an even number of 1 bits.</summary>
    internal static bool Parity(ulong v) => (BitOperations.PopCount(v & 0xFF) & 1) == 0;

    /// <summary>Evaluates a condition code tttn (Intel SDM Vol. 1, Appendix B, Table B-1).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal bool Condition(int cc)
    {
        bool r = (cc >> 1) switch
        {
            0 => OF,
            1 => CF,
            2 => ZF,
            3 => CF || ZF,
            4 => SF,
            5 => PF,
            6 => SF != OF,
            _ => ZF || SF != OF,
        };
        return r ^ ((cc & 1) != 0);
    }

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
