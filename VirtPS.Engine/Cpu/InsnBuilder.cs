using Iced.Intel;
using static VirtPS.Engine.Cpu.Semantics;

namespace VirtPS.Engine.Cpu;

/// <summary>
/// Turns an Iced <see cref="Instruction"/> into an <see cref="Insn"/>: operands reduced to register-file
/// indices, a branch-free memory-operand form and an immediate, and the handler chosen by mnemonic (and,
/// for the forms loops are made of, by operand shape). Anything not listed here decodes to #UD.
/// </summary>
internal static unsafe class InsnBuilder
{
    public static Insn Fault(ulong ip, byte[] bytes, GuestFault fault)
    {
        var i = new Insn { Ip = ip, NextIp = ip + (ulong)Math.Max(bytes.Length, 1), Bytes = bytes, Exec = &Undefined };
        i.PendingFault = fault;
        i.Exec = &RaisePending;
        i.EndsBlock = true;
        return i;
    }

    static void RaisePending(Processor p, Insn i) => throw i.PendingFault!;

    public static bool EndsBlock(Insn i) => i.EndsBlock;

    public static Insn Build(in Instruction ins, byte[] bytes)
    {
        var i = new Insn { Ip = ins.IP, NextIp = ins.NextIP, Decoded = ins, Bytes = bytes };
        for (int n = 0; n < ins.OpCount && n < 3; n++) Operand(ins, n, i);
        if (i.Size == 0) i.Size = 8;
        i.Exec = Select(ins, i);   // may settle the operand size (PUSH, CBW, SETcc, ...)
        i.Mask = MaskOf(i.Size);
        i.Imm &= i.Mask;
        if (i.Exec == (delegate*<Processor, Insn, void>)&Undefined) i.EndsBlock = true;
        return i;
    }

    static void Operand(in Instruction ins, int n, Insn i)
    {
        OpLoc loc;
        switch (ins.GetOpKind(n))
        {
            case OpKind.Register:
            {
                var reg = ins.GetOpRegister(n);
                if (!reg.IsGPR()) { loc = OpLoc.None; break; }
                int idx = reg.GetFullRegister() - Register.RAX;
                int shift = reg is >= Register.AH and <= Register.BH ? 8 : 0;
                if (n == 0) { i.R0 = idx; i.Shift0 = shift; } else if (n == 1) { i.R1 = idx; i.Shift1 = shift; }
                if (n == 0) i.Size = reg.GetSize();
                loc = OpLoc.Reg;
                break;
            }
            case OpKind.Memory:
                Memory(ins, i);
                if (n == 0 || i.Size == 0) i.Size = ins.MemorySize.GetSize();
                loc = OpLoc.Mem;
                break;
            case OpKind.Immediate8: case OpKind.Immediate16: case OpKind.Immediate32: case OpKind.Immediate64:
            case OpKind.Immediate8to16: case OpKind.Immediate8to32: case OpKind.Immediate8to64: case OpKind.Immediate32to64:
                i.Imm = ins.GetImmediate(n);
                loc = OpLoc.Imm;
                break;
            case OpKind.NearBranch16: case OpKind.NearBranch32: case OpKind.NearBranch64:
                i.Target = ins.NearBranchTarget;
                loc = OpLoc.Imm;
                break;
            case OpKind.MemorySegRSI: case OpKind.MemorySegESI:
                i.Seg = SegSlot(ins.MemorySegment);
                i.AddrSize = ins.GetOpKind(n) == OpKind.MemorySegRSI ? 8 : 4;
                i.Size = ins.MemorySize.GetSize();
                loc = OpLoc.Mem;
                break;
            case OpKind.MemoryESRDI: case OpKind.MemoryESEDI:
                i.AddrSize = ins.GetOpKind(n) == OpKind.MemoryESRDI ? 8 : 4;
                i.Size = ins.MemorySize.GetSize();
                loc = OpLoc.Mem;
                break;
            default:
                loc = OpLoc.None;
                break;
        }
        if (n == 0) i.Loc0 = loc; else if (n == 1) i.Loc1 = loc; else i.Loc2 = loc;
    }

    static void Memory(in Instruction ins, Insn i)
    {
        if (ins.IsIPRelativeMemoryOperand)
        {
            i.Disp = ins.IPRelativeMemoryAddress;
        }
        else
        {
            if (ins.MemoryBase != Register.None) i.Base = ins.MemoryBase.GetFullRegister() - Register.RAX;
            if (ins.MemoryIndex != Register.None)
            {
                i.Index = ins.MemoryIndex.GetFullRegister() - Register.RAX;
                i.Scale = ins.MemoryIndexScale switch { 2 => 1, 4 => 2, 8 => 3, _ => 0 };
            }
            i.Disp = ins.MemoryDisplacement64;
        }
        if (ins.MemoryBase.IsGPR32() || ins.MemoryIndex.IsGPR32() || ins.MemoryBase == Register.EIP)
        {
            i.AddrMask = 0xFFFF_FFFF;
            i.AddrSize = 4;
        }
        i.Seg = SegSlot(ins.MemorySegment);
    }

    // In 64-bit mode only FS and GS have a base (SDM Vol. 1, 3.4.2.1).
    static int SegSlot(Register seg) => seg switch
    {
        Register.FS => Processor.FsSlot,
        Register.GS => Processor.GsSlot,
        _ => Processor.ZeroSlot,
    };

    static int Cc(in Instruction ins) => (int)ins.ConditionCode - 1;

    static delegate*<Processor, Insn, void> Select(in Instruction ins, Insn i)
    {
        if (ins.Mnemonic == Mnemonic.Mov && ins.OpCount == 2 && ins.GetOpKind(0) == OpKind.Register && ins.GetOpKind(1) == OpKind.Register)
        {
            var r0 = ins.GetOpRegister(0); var r1 = ins.GetOpRegister(1);
            // A control-register write changes how what follows executes: it ends the block.
            if (r0.IsCR()) { i.Op = r0 - Register.CR0; i.R1 = r1.GetFullRegister() - Register.RAX; i.EndsBlock = true; return ValidCr(i.Op) ? &MovToCr : &Undefined; }
            if (r1.IsCR()) { i.Op = r1 - Register.CR0; i.R0 = r0.GetFullRegister() - Register.RAX; return ValidCr(i.Op) ? &MovFromCr : &Undefined; }
        }
        if (ins.Mnemonic == Mnemonic.Mov && ins.OpCount == 2)
        {
            if (ins.GetOpKind(0) == OpKind.Register && ins.GetOpRegister(0).IsSegmentRegister())
            {
                i.Op = ins.GetOpRegister(0) - Register.ES;
                if (ins.GetOpKind(1) == OpKind.Register) i.R1 = ins.GetOpRegister(1).GetFullRegister() - Register.RAX;
                i.EndsBlock = true;
                return i.Op == SegCs ? &Undefined : &MovToSeg;   // MOV to CS is #UD
            }
            if (ins.GetOpKind(1) == OpKind.Register && ins.GetOpRegister(1).IsSegmentRegister())
            {
                i.Op = ins.GetOpRegister(1) - Register.ES;
                if (ins.GetOpKind(0) == OpKind.Register) { i.R0 = ins.GetOpRegister(0).GetFullRegister() - Register.RAX; i.Size = ins.GetOpRegister(0).GetSize(); }
                return &MovFromSeg;
            }
        }
        if (ins.Mnemonic is Mnemonic.Push or Mnemonic.Pop && ins.GetOpKind(0) == OpKind.Register && ins.GetOpRegister(0).IsSegmentRegister())
        {
            i.Op = ins.GetOpRegister(0) - Register.ES;
            i.Size = Math.Abs(ins.StackPointerIncrement);
            if (i.Op is not (SegFs or SegGs)) return &Undefined;   // PUSH/POP ES, CS, SS, DS are invalid in 64-bit mode
            if (ins.Mnemonic == Mnemonic.Push) return &PushSeg;
            i.EndsBlock = true;
            return &PopSeg;
        }
        // Other instructions take general-purpose registers only.
        for (int n = 0; n < ins.OpCount; n++)
            if (ins.GetOpKind(n) == OpKind.Register && !ins.GetOpRegister(n).IsGPR()) return &Undefined;

        bool wide = i.Size is 8 or 4;   // the fast paths take 64- and 32-bit operands only
        switch (ins.Mnemonic)
        {
            case Mnemonic.Add: return AluOp(i, OpAdd, wide);
            case Mnemonic.Or: return AluOp(i, OpOr, wide);
            case Mnemonic.Adc: return AluOp(i, OpAdc, wide);
            case Mnemonic.Sbb: return AluOp(i, OpSbb, wide);
            case Mnemonic.And: return AluOp(i, OpAnd, wide);
            case Mnemonic.Sub: return AluOp(i, OpSub, wide);
            case Mnemonic.Xor: return AluOp(i, OpXor, wide);
            case Mnemonic.Cmp: return AluOp(i, OpCmp, wide);
            case Mnemonic.Test: return AluOp(i, OpTest, wide);
            case Mnemonic.Inc: i.Op = 0; return wide && i.Loc0 == OpLoc.Reg ? &IncDecR : &IncDec;
            case Mnemonic.Dec: i.Op = 1; return wide && i.Loc0 == OpLoc.Reg ? &IncDecR : &IncDec;
            case Mnemonic.Neg: return &Neg;
            case Mnemonic.Not: return &Not;

            case Mnemonic.Rol: i.Op = OpRol; return &Shift;
            case Mnemonic.Ror: i.Op = OpRor; return &Shift;
            case Mnemonic.Rcl: i.Op = OpRcl; return &Shift;
            case Mnemonic.Rcr: i.Op = OpRcr; return &Shift;
            case Mnemonic.Shl: case Mnemonic.Sal: i.Op = OpShl; return ShiftOp(i, wide);
            case Mnemonic.Shr: i.Op = OpShr; return ShiftOp(i, wide);
            case Mnemonic.Sar: i.Op = OpSar; return ShiftOp(i, wide);
            case Mnemonic.Shld: i.Op = 0; return &DoubleShift;
            case Mnemonic.Shrd: i.Op = 1; return &DoubleShift;

            case Mnemonic.Mul: i.Op = 0; return &MulAcc;
            case Mnemonic.Imul:
                if (ins.OpCount == 1) { i.Op = 1; return &MulAcc; }
                return &ImulTrunc;
            case Mnemonic.Div: i.Op = 0; return &Divide;
            case Mnemonic.Idiv: i.Op = 1; return &Divide;

            case Mnemonic.Bt: i.Op = 0; return &BitTest;
            case Mnemonic.Bts: i.Op = 1; return &BitTest;
            case Mnemonic.Btr: i.Op = 2; return &BitTest;
            case Mnemonic.Btc: i.Op = 3; return &BitTest;
            case Mnemonic.Bsf: i.Op = 0; return &BitScan;
            case Mnemonic.Bsr: i.Op = 1; return &BitScan;
            case Mnemonic.Tzcnt: i.Op = 0; return &Count;
            case Mnemonic.Lzcnt: i.Op = 1; return &Count;
            case Mnemonic.Popcnt: i.Op = 2; return &Count;

            case Mnemonic.Mov: return MovOp(i, wide);
            case Mnemonic.Movzx:
                i.SrcSize = SourceSize(ins);
                return &Movzx;
            case Mnemonic.Movsx: case Mnemonic.Movsxd:
                i.SrcSize = SourceSize(ins);
                return &Movsx;
            case Mnemonic.Lea:
                i.Seg = Processor.ZeroSlot;
                return i.Size == 8 ? &Lea64 : &Lea;
            case Mnemonic.Xchg: return &Xchg;
            case Mnemonic.Cmpxchg: return &Cmpxchg;
            case Mnemonic.Xadd: return &Xadd;
            case Mnemonic.Bswap: return &Bswap;
            case Mnemonic.Cbw: i.Size = 2; return &ExtendAcc;
            case Mnemonic.Cwde: i.Size = 4; return &ExtendAcc;
            case Mnemonic.Cdqe: i.Size = 8; return &ExtendAcc;
            case Mnemonic.Cwd: i.Size = 2; return &SignToRdx;
            case Mnemonic.Cdq: i.Size = 4; return &SignToRdx;
            case Mnemonic.Cqo: i.Size = 8; return &SignToRdx;

            case Mnemonic.Push:
                i.Size = -ins.StackPointerIncrement;
                return &PushOp;
            case Mnemonic.Pop:
                i.Size = ins.StackPointerIncrement;
                return &PopOp;
            case Mnemonic.Leave: i.Size = 8; return &Leave;
            case Mnemonic.Pushf: case Mnemonic.Pushfq: i.Size = -ins.StackPointerIncrement; return &Pushf;
            case Mnemonic.Popf: case Mnemonic.Popfq: i.Size = ins.StackPointerIncrement; return &Popf;
            case Mnemonic.Lahf: return &Lahf;
            case Mnemonic.Sahf: return &Sahf;

            case Mnemonic.Jmp when ins.GetOpKind(0) == OpKind.Memory && ins.MemorySize is MemorySize.SegPtr32 or MemorySize.SegPtr64:
                i.EndsBlock = true; i.Op = 0; i.Size = ins.MemorySize == MemorySize.SegPtr64 ? 8 : 4; return &FarTransfer;
            case Mnemonic.Call when ins.GetOpKind(0) == OpKind.Memory && ins.MemorySize is MemorySize.SegPtr32 or MemorySize.SegPtr64:
                i.EndsBlock = true; i.Op = 1; i.Size = ins.MemorySize == MemorySize.SegPtr64 ? 8 : 4; return &FarTransfer;
            case Mnemonic.Jmp:
                i.EndsBlock = true;
                return ins.GetOpKind(0) is OpKind.NearBranch64 or OpKind.NearBranch32 or OpKind.NearBranch16 ? &Jmp : &JmpIndirect;
            case Mnemonic.Call:
                i.EndsBlock = true;
                return ins.GetOpKind(0) is OpKind.NearBranch64 or OpKind.NearBranch32 or OpKind.NearBranch16 ? &Call : &CallIndirect;
            case Mnemonic.Ret:
                i.EndsBlock = true;
                i.Imm = ins.OpCount > 0 ? ins.GetImmediate(0) : 0;
                return &Ret;
            case Mnemonic.Loop: i.Op = 0; return LoopOp(ins, i);
            case Mnemonic.Loope: i.Op = 1; return LoopOp(ins, i);
            case Mnemonic.Loopne: i.Op = 2; return LoopOp(ins, i);
            case Mnemonic.Jrcxz: i.EndsBlock = true; i.AddrSize = 8; return &Jrcxz;
            case Mnemonic.Jecxz: i.EndsBlock = true; i.AddrSize = 4; return &Jrcxz;

            case Mnemonic.Movsb: case Mnemonic.Movsw: case Mnemonic.Movsd: case Mnemonic.Movsq:
                return StringInsn(ins, i, StringOp.Movs);
            case Mnemonic.Stosb: case Mnemonic.Stosw: case Mnemonic.Stosd: case Mnemonic.Stosq:
                return StringInsn(ins, i, StringOp.Stos);
            case Mnemonic.Lodsb: case Mnemonic.Lodsw: case Mnemonic.Lodsd: case Mnemonic.Lodsq:
                return StringInsn(ins, i, StringOp.Lods);
            case Mnemonic.Cmpsb: case Mnemonic.Cmpsw: case Mnemonic.Cmpsd: case Mnemonic.Cmpsq:
                return StringInsn(ins, i, StringOp.Cmps);
            case Mnemonic.Scasb: case Mnemonic.Scasw: case Mnemonic.Scasd: case Mnemonic.Scasq:
                return StringInsn(ins, i, StringOp.Scas);

            case Mnemonic.Clc: return &Clc;
            case Mnemonic.Stc: return &Stc;
            case Mnemonic.Cmc: return &Cmc;
            case Mnemonic.Cld: return &Cld;
            case Mnemonic.Std: return &Std;
            case Mnemonic.Nop: case Mnemonic.Pause: case Mnemonic.Endbr64: return &Nop;
            case Mnemonic.Fninit: return &Fninit;
            case Mnemonic.Hlt: i.EndsBlock = true; return &HltPrivileged;
            case Mnemonic.Int3: i.EndsBlock = true; return &Int3Trap;
            case Mnemonic.Int: i.EndsBlock = true; return &IntN;
            case Mnemonic.Iretq: i.EndsBlock = true; return &Iretq;
            case Mnemonic.Syscall: i.EndsBlock = true; return &Syscall;
            case Mnemonic.Sysretq: i.EndsBlock = true; return &Sysret;
            case Mnemonic.Cli: i.Op = 0; return &CliSti;
            case Mnemonic.Sti: i.Op = 1; return &CliSti;
            case Mnemonic.Rdmsr: return &Rdmsr;
            // A WRMSR or a control-register write can change how later instructions behave: end the block.
            case Mnemonic.Wrmsr: i.EndsBlock = true; return &Wrmsr;
            case Mnemonic.Rdtsc: i.Op = 0; return &Rdtsc;
            case Mnemonic.Rdtscp: i.Op = 1; return &Rdtsc;
            case Mnemonic.Cpuid: return &Cpuid;
            case Mnemonic.Swapgs: return &Swapgs;
            case Mnemonic.Invlpg: case Mnemonic.Wbinvd: case Mnemonic.Invd: return &CacheControl;
            case Mnemonic.Sgdt: i.Op = 0; return &StoreTable;
            case Mnemonic.Sidt: i.Op = 1; return &StoreTable;
            case Mnemonic.Lgdt: i.Op = 0; return &LoadTable;
            case Mnemonic.Lidt: i.Op = 1; i.EndsBlock = true; return &LoadTable;
            case Mnemonic.Sldt: i.Op = 0; return &StoreSystemWord;
            case Mnemonic.Str: i.Op = 1; return &StoreSystemWord;
            case Mnemonic.Smsw: i.Op = 2; return &StoreSystemWord;
            case Mnemonic.Lmsw: return &Lmsw;
            case Mnemonic.Ltr: return &Ltr;
            case Mnemonic.Lldt: return &Lldt;
            case Mnemonic.Lar: i.Op = 0; return &ProbeDescriptor;
            case Mnemonic.Lsl: i.Op = 1; return &ProbeDescriptor;
            case Mnemonic.Verr: i.Op = 2; return &ProbeDescriptor;
            case Mnemonic.Verw: i.Op = 3; return &ProbeDescriptor;
            case Mnemonic.Invpcid: i.EndsBlock = true; return &Invpcid;
            case Mnemonic.Retf:
                i.EndsBlock = true;
                i.Size = ins.CodeSize == CodeSize.Code64 && ins.Code is Code.Retfq or Code.Retfq_imm16 ? 8 : 4;
                i.Imm = ins.OpCount > 0 ? ins.GetImmediate(0) : 0;
                return &FarReturn;
            case Mnemonic.In: i.Size = ins.GetOpRegister(0).GetSize(); return &In;
            case Mnemonic.Out: i.Size = ins.GetOpRegister(1).GetSize(); return &Out;
            case Mnemonic.Insb: case Mnemonic.Insw: case Mnemonic.Insd:
                return StringInsn(ins, i, StringOp.Ins);
            case Mnemonic.Outsb: case Mnemonic.Outsw: case Mnemonic.Outsd:
                return StringInsn(ins, i, StringOp.Outs);
        }

        int cc = Cc(ins);
        if (cc >= 0)
        {
            i.Op = cc;
            if (ins.IsJccShortOrNear)
            {
                i.EndsBlock = true;
                return cc == 5 ? &Jnz : cc == 4 ? &Jz : &Jcc;
            }
            if (IsSetcc(ins.Mnemonic)) { i.Size = 1; return &Setcc; }
            if (IsCmovcc(ins.Mnemonic)) return &Cmovcc;
        }
        return &Undefined;
    }

    /// <summary>CR0, CR2, CR3, CR4 and CR8 exist; the others are #UD (SDM Vol. 2B, MOV—Move to/from Control Registers).</summary>
    static bool ValidCr(int n) => n is 0 or 2 or 3 or 4 or 8;

    static bool IsSetcc(Mnemonic m) => m is Mnemonic.Seto or Mnemonic.Setno or Mnemonic.Setb or Mnemonic.Setae or Mnemonic.Sete
        or Mnemonic.Setne or Mnemonic.Setbe or Mnemonic.Seta or Mnemonic.Sets or Mnemonic.Setns or Mnemonic.Setp
        or Mnemonic.Setnp or Mnemonic.Setl or Mnemonic.Setge or Mnemonic.Setle or Mnemonic.Setg;

    static bool IsCmovcc(Mnemonic m) => m is Mnemonic.Cmovo or Mnemonic.Cmovno or Mnemonic.Cmovb or Mnemonic.Cmovae
        or Mnemonic.Cmove or Mnemonic.Cmovne or Mnemonic.Cmovbe or Mnemonic.Cmova or Mnemonic.Cmovs or Mnemonic.Cmovns
        or Mnemonic.Cmovp or Mnemonic.Cmovnp or Mnemonic.Cmovl or Mnemonic.Cmovge or Mnemonic.Cmovle or Mnemonic.Cmovg;

    static delegate*<Processor, Insn, void> AluOp(Insn i, int op, bool wide)
    {
        i.Op = op;
        if (!wide || i.Loc0 != OpLoc.Reg) return &Alu;
        return op switch
        {
            OpAdd => Fast<AddOp>(i.Loc1),
            OpOr => Fast<OrOp>(i.Loc1),
            OpAnd => Fast<AndOp>(i.Loc1),
            OpSub => Fast<SubOp>(i.Loc1),
            OpXor => Fast<XorOp>(i.Loc1),
            OpCmp => Fast<CmpOp>(i.Loc1),
            OpTest => Fast<TestOp>(i.Loc1),
            _ => &Alu,   // ADC and SBB need the carry: the general path
        };
    }

    static delegate*<Processor, Insn, void> Fast<T>(OpLoc source) where T : struct, IAluOp => source switch
    {
        OpLoc.Reg => &AluRR<T>,
        OpLoc.Imm => &AluRI<T>,
        OpLoc.Mem => &AluRM<T>,
        _ => &Alu,
    };

    /// <summary>SHL/SHR/SAR of a 64- or 32-bit register by an immediate: the fast path; the rest the general one.</summary>
    static delegate*<Processor, Insn, void> ShiftOp(Insn i, bool wide) =>
        wide && i.Loc0 == OpLoc.Reg && i.Loc1 == OpLoc.Imm ? &ShiftRI : &Shift;

    static delegate*<Processor, Insn, void> MovOp(Insn i, bool wide)
    {
        if (!wide) return &Mov;
        bool q = i.Size == 8;
        return (i.Loc0, i.Loc1) switch
        {
            (OpLoc.Reg, OpLoc.Reg) => q ? &MovRR64 : &MovRR32,
            (OpLoc.Reg, OpLoc.Imm) => &MovRI,
            (OpLoc.Reg, OpLoc.Mem) => q ? &MovRM64 : &MovRM32,
            (OpLoc.Mem, OpLoc.Reg) => q ? &MovMR64 : &MovMR32,
            _ => &Mov,
        };
    }

    static int SourceSize(in Instruction ins) =>
        ins.GetOpKind(1) == OpKind.Register ? ins.GetOpRegister(1).GetSize() : ins.MemorySize.GetSize();

    static delegate*<Processor, Insn, void> LoopOp(in Instruction ins, Insn i)
    {
        i.EndsBlock = true;
        i.AddrSize = ins.Code is Code.Loop_rel8_64_ECX or Code.Loope_rel8_64_ECX or Code.Loopne_rel8_64_ECX ? 4 : 8;
        return &Loop;
    }

    static delegate*<Processor, Insn, void> StringInsn(in Instruction ins, Insn i, StringOp op)
    {
        // MOVSD/CMPSD are also SSE2 mnemonics; only the string forms have string operands.
        if (ins.GetOpKind(0) is not (OpKind.MemoryESRDI or OpKind.MemoryESEDI or OpKind.MemorySegRSI or OpKind.MemorySegESI)
            && ins.GetOpKind(ins.OpCount - 1) is not (OpKind.MemoryESRDI or OpKind.MemoryESEDI or OpKind.MemorySegRSI or OpKind.MemorySegESI))
            return &Undefined;
        i.Op = (int)op;
        i.Size = ins.MemorySize.GetSize();
        i.Rep = ins.HasRepPrefix ? RepPrefix.Rep : ins.HasRepnePrefix ? RepPrefix.Repne : RepPrefix.None;
        // A plain REP on LODS/STOS/MOVS repeats unconditionally; Iced reports F2 on them as REPNE, which
        // the processor also treats as a plain repeat for these (SDM Vol. 2B, REP).
        if (op is not (StringOp.Cmps or StringOp.Scas) && i.Rep == RepPrefix.Repne) i.Rep = RepPrefix.Rep;
        if (i.Rep != RepPrefix.None) i.EndsBlock = true;
        return &Semantics.String;
    }
}
