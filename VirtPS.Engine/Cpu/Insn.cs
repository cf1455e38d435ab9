using System.Runtime.CompilerServices;
using Iced.Intel;

namespace VirtPS.Engine.Cpu;

/// <summary>
/// A decoded instruction, ready to execute: Iced's decode turned into the few numbers the handler needs,
/// and the handler itself chosen once at decode time (so execution is one indirect call, no re-decoding).
/// </summary>
internal sealed unsafe class Insn
{
    /// <summary>The semantics of this instruction.</summary>
    public delegate*<Processor, Insn, void> Exec;

    /// <summary>For an instruction the VMM intercepts: its own semantics (<see cref="Exec"/> then enters the VMM,
    /// which decides whether and how they run).</summary>
    public delegate*<Processor, Insn, void> Native;
    public SensitiveOp Sensitive;
    /// <summary>For an instruction a monitor observes without intercepting (the Library style's translation layer):
    /// the handler it runs after counting (<see cref="Exec"/> enters the monitor first).</summary>
    public delegate*<Processor, Insn, void> Observed;

    public ulong Ip, NextIp;
    public Instruction Decoded;
    public byte[] Bytes = [];

    /// <summary>Operand size in bytes (1, 2, 4, 8) and its mask.</summary>
    public int Size;
    public ulong Mask;
    /// <summary>Source size in bytes for MOVZX/MOVSX/MOVSXD.</summary>
    public int SrcSize;

    public OpLoc Loc0, Loc1, Loc2;
    /// <summary>Register operands: file index (0..15) and 8 for AH, CH, DH, BH.</summary>
    public int R0, R1;
    public int Shift0, Shift1;

    public ulong Imm;
    /// <summary>Sub-operation: the ALU /digit, shift /digit or condition code.</summary>
    public int Op;
    public ulong Target;

    // Memory operand: EA = (R[Base] + (R[Index] << Scale) + Disp + R[Seg]) & AddrMask. Absent parts point at
    // the register file's constant-zero slot, so the sum needs no branches. RIP-relative displacements are
    // resolved to absolute addresses at decode time.
    public int Base = Processor.ZeroSlot, Index = Processor.ZeroSlot, Seg = Processor.ZeroSlot, Scale;
    public ulong Disp;
    public ulong AddrMask = ulong.MaxValue;
    /// <summary>Address size in bytes (8, or 4 with a 67h prefix): for string instructions and LOOP.</summary>
    public int AddrSize = 8;

    public RepPrefix Rep;
    /// <summary>True for instructions after which the block ends (control transfers, HLT, REP strings, faults).</summary>
    public bool EndsBlock;
    /// <summary>Position in its block, so RDTSC can count the instructions retired before it in the block.</summary>
    public int IndexInBlock;
    /// <summary>For bytes that could not be decoded: the fault to raise if execution reaches them.</summary>
    public GuestFault? PendingFault;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong Ea(Processor p)
    {
        return (p.Reg(Base) + (p.Reg(Index) << Scale) + Disp + p.Reg(Seg)) & AddrMask;
    }
}
