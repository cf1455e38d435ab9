using System.Runtime.CompilerServices;
using Iced.Intel;

namespace VirtPS.Engine.Cpu;

/// <summary>Where an operand lives.</summary>
internal enum OpLoc : byte { None, Reg, Mem, Imm }

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

internal enum RepPrefix : byte { None, Rep, Repne }

/// <summary>
/// A basic block of decoded instructions: straight-line code ending at a control transfer, HLT, a string
/// instruction with REP, a page end, or an instruction that cannot be decoded (which raises its fault only
/// when reached).
/// </summary>
internal sealed class Block
{
    public required ulong Start;
    public required Insn[] Insns;
    /// <summary>Where execution continues if the last instruction does not transfer control.</summary>
    public required ulong FallThrough;
    /// <summary>Guest-physical frames the block's bytes occupy (one, or two if the last instruction crosses a page).</summary>
    public required ulong FirstPage, LastPage;
    /// <summary>The guest-physical address the block was decoded from.</summary>
    public required ulong PhysStart;
    /// <summary>The translation epoch at which the block's linear-to-physical mapping was last confirmed.</summary>
    public long Epoch;
    public bool Valid = true;
    /// <summary>Chained successors, checked by address, so the loop rarely looks a block up.</summary>
    public Block? Next1, Next2;
    public long Executions;
    /// <summary>The block compiled by the block translator; it dies with the block (invalidation drops both).</summary>
    public TranslatedBlock? Translation;
    /// <summary>A block decoded at the same linear address under another mapping (another address space).</summary>
    public Block? Alternate;
}
