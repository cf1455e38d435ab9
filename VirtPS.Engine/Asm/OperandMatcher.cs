using Iced.Intel;
using K = Iced.Intel.OpCodeOperandKind;

namespace VirtPS.Engine.Asm;

/// <summary>
/// Maps a mnemonic and parsed operands onto Iced instructions. The mnemonic → candidates index is
/// built once from Iced's own tables (<see cref="Code"/> + <see cref="OpCodeInfo"/>); nothing here
/// lists encodings by hand. Operands are checked against each candidate's
/// <see cref="OpCodeOperandKind"/>s and a matching <see cref="Instruction"/> is built.
/// </summary>
internal static class OperandMatcher
{
    static readonly Lazy<Dictionary<string, List<Candidate>>> Index = new(BuildIndex);

    /// <summary>Every Iced mnemonic, including those invalid in 64-bit mode (for a clearer error).</summary>
    static readonly Lazy<HashSet<string>> AllMnemonics = new(() =>
        Enum.GetNames<Mnemonic>().Select(n => n.ToLowerInvariant()).ToHashSet());

    public static bool IsLegacyOnly(string mnemonic) =>
        AllMnemonics.Value.Contains(Aliases.GetValueOrDefault(mnemonic, mnemonic).ToLowerInvariant());

    /// <summary>
    /// NASM spellings that Iced names differently: condition-code synonyms, and the flag/iret
    /// forms whose unsuffixed NASM name means the 64-bit-mode default size.
    /// </summary>
    static readonly Dictionary<string, string> Aliases = BuildAliases();

    static Dictionary<string, string> BuildAliases()
    {
        var a = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["sal"] = "shl", ["xlat"] = "xlatb", ["loopz"] = "loope", ["loopnz"] = "loopne",
            ["iret"] = "iretd", ["iretw"] = "iret", ["pushf"] = "pushfq", ["popf"] = "popfq",
            ["pushfw"] = "pushf", ["popfw"] = "popf", ["retn"] = "ret", ["int01"] = "int1", ["icebp"] = "int1",
            ["int03"] = "int3", ["sysretd"] = "sysret",
        };
        var cc = new Dictionary<string, string>
        {
            ["z"] = "e", ["nz"] = "ne", ["c"] = "b", ["nc"] = "ae", ["nae"] = "b", ["nb"] = "ae", ["na"] = "be",
            ["nbe"] = "a", ["pe"] = "p", ["po"] = "np", ["nge"] = "l", ["nl"] = "ge", ["ng"] = "le", ["nle"] = "g",
        };
        foreach (var (syn, canon) in cc)
            foreach (var stem in new[] { "j", "set", "cmov" })
                a[stem + syn] = stem + canon;
        return a;
    }

    static Dictionary<string, List<Candidate>> BuildIndex()
    {
        var index = new Dictionary<string, List<Candidate>>(StringComparer.OrdinalIgnoreCase);
        int order = 0;
        foreach (var code in Enum.GetValues<Code>())
        {
            var info = code.ToOpCode();
            // 64-bit mode only, legacy and VEX encodings; skip forms that need a special decoder option (Cyrix, MPX...).
            if (!info.IsInstruction || !info.Mode64 || info.DecoderOption != DecoderOptions.None) continue;
            if (info.Encoding is not (EncodingKind.Legacy or EncodingKind.VEX)) continue;
            var kinds = new K[info.OpCount];
            for (int i = 0; i < kinds.Length; i++) kinds[i] = info.GetOpKind(i);
            string name = info.Mnemonic.ToString().ToLowerInvariant();
            if (!index.TryGetValue(name, out var list)) index[name] = list = [];
            list.Add(new Candidate(code, info, kinds, info.MemorySize, order++));
        }
        return index;
    }

    /// <summary>NASM mnemonics whose suffix names the operand size of an Iced mnemonic, like an o16/o32/o64 prefix.</summary>
    static readonly Dictionary<string, (string Name, int OpSize)> SizedAliases = new(StringComparer.OrdinalIgnoreCase)
    {
        ["retfw"] = ("retf", 16), ["retfd"] = ("retf", 32), ["retfq"] = ("retf", 64),
    };

    /// <summary>The candidates for a mnemonic; <paramref name="opSize"/> (from o16/o32/o64) may pick a size-suffixed Iced mnemonic.</summary>
    public static List<Candidate>? Lookup(string mnemonic, ref int opSize)
    {
        if (SizedAliases.TryGetValue(mnemonic, out var sized))
        {
            mnemonic = sized.Name;
            opSize = sized.OpSize;
        }
        string name = Aliases.GetValueOrDefault(mnemonic, mnemonic).ToLowerInvariant();
        var index = Index.Value;
        if (!index.TryGetValue(name, out var list)) return null;
        int size = opSize;
        if (size != 0 && !list.Any(c => c.Info.OperandSize == size))
        {
            // "o64 sysret" is Iced's Sysretq, "o16 iret" its Iret.
            string suffix = size switch { 64 => "q", 32 => "d", _ => "w" };
            if (index.TryGetValue(name + suffix, out var suffixed)) return suffixed;
        }
        return list;
    }

    /// <summary>Tries to build <paramref name="ins"/> for one candidate; false if the operands do not fit its kinds.</summary>
    public static bool TryBuild(Candidate c, IReadOnlyList<ResolvedOperand> ops, out Instruction ins)
    {
        ins = default;
        ins.Code = c.Code;
        if (ops.Count == 0 && c.Kinds.Length > 0)
            return c.HasStringOperand && TryImplicit(c, ref ins);
        // "fxch st1", "fadd st2": NASM lets the st0 of Iced's (st0, sti) forms go unwritten.
        if (ops.Count == c.Kinds.Length - 1 && c.Kinds[0] == K.st0 && ops.Count > 0 && ops[0].Kind == ResolvedKind.Register)
        {
            var withSt0 = new List<ResolvedOperand>(ops.Count + 1)
            { new() { Kind = ResolvedKind.Register, At = ops[0].At, Register = Register.ST0 } };
            withSt0.AddRange(ops);
            ops = withSt0;
        }
        if (ops.Count != c.Kinds.Length) return false;
        bool sawMemory = false;
        for (int i = 0; i < ops.Count; i++)
        {
            var op = ops[i];
            var kind = c.Kinds[i];
            switch (op.Kind)
            {
                case ResolvedKind.Register:
                    var reg = op.Register;
                    if (!RegisterFits(kind, reg))
                    {
                        if (!(reg.IsGPR16() && IsWordSourceOperand(c, i))) return false;
                        // lar eax, bx / ltr ax / mov ds, ax: NASM reads a 16-bit register through the r32/m16 form (no 66h).
                        reg = (kind is K.r64_or_mem ? Register.RAX : Register.EAX) + (reg - Register.AX);
                    }
                    ins.SetOpKind(i, OpKind.Register);
                    ins.SetOpRegister(i, reg);
                    break;
                case ResolvedKind.Memory:
                    if (sawMemory || !MemoryFits(c, kind, op)) return false;
                    sawMemory = true;
                    ins.SetOpKind(i, OpKind.Memory);
                    ins.MemoryBase = op.Base;
                    ins.MemoryIndex = op.Index;
                    ins.MemoryIndexScale = op.Scale;
                    ins.MemoryDisplacement64 = unchecked((ulong)op.Displacement);
                    ins.MemoryDisplSize = kind == K.mem_offs ? 8 : op.DisplSize;
                    if (op.Segment != Register.None) ins.SegmentPrefix = op.Segment;
                    break;
                case ResolvedKind.Immediate:
                    if (!ImmediateFits(c, kind, op, i > 0 && IsImmediateKind(c.Kinds[i - 1]), out var opKind)) return false;
                    ins.SetOpKind(i, opKind);
                    if (opKind == OpKind.NearBranch64) ins.NearBranch64 = unchecked((ulong)op.Imm.V);
                    else ins.SetImmediate(i, unchecked((ulong)op.Imm.V));
                    break;
            }
        }
        return true;
    }

    /// <summary>String instructions are written without operands (<c>movsb</c>, <c>rep stosq</c>): fill in Iced's implicit ones.</summary>
    static bool TryImplicit(Candidate c, ref Instruction ins)
    {
        for (int i = 0; i < c.Kinds.Length; i++)
        {
            switch (c.Kinds[i])
            {
                case K.es_rDI: ins.SetOpKind(i, OpKind.MemoryESRDI); break;
                case K.seg_rSI: ins.SetOpKind(i, OpKind.MemorySegRSI); break;
                case K.seg_rDI: ins.SetOpKind(i, OpKind.MemorySegRDI); break;
                case K.seg_rBX_al:
                    ins.SetOpKind(i, OpKind.Memory);
                    ins.MemoryBase = Register.RBX;
                    ins.MemoryIndex = Register.AL;
                    break;
                default:
                    var fixedReg = FixedRegister(c.Kinds[i]);
                    if (fixedReg == Register.None) return false;
                    ins.SetOpKind(i, OpKind.Register);
                    ins.SetOpRegister(i, fixedReg);
                    break;
            }
        }
        return true;
    }

    static readonly System.Collections.Concurrent.ConcurrentDictionary<Code, bool[]> WordSources = new();

    /// <summary>
    /// True for an "r32/m16" or "r64/m16" operand (Iced: a GPR kind whose memory size is 16 bits) that the
    /// instruction only reads, per Iced's instruction info. Such an operand may be written as a 16-bit register.
    /// </summary>
    static bool IsWordSourceOperand(Candidate c, int operand)
    {
        if (c.MemorySize is not (MemorySize.UInt16 or MemorySize.Int16) || c.Kinds[operand] is not (K.r32_or_mem or K.r64_or_mem))
            return false;
        var flags = WordSources.GetOrAdd(c.Code, code =>
        {
            Instruction probe = default;
            probe.Code = code;
            for (int i = 0; i < c.Kinds.Length; i++)
            {
                probe.SetOpKind(i, OpKind.Register);
                probe.SetOpRegister(i, c.Kinds[i] == K.r64_or_mem ? Register.RAX : c.Kinds[i] == K.seg_reg ? Register.DS : Register.EAX);
            }
            var info = new InstructionInfoFactory().GetInfo(probe);
            return Enumerable.Range(0, c.Kinds.Length).Select(i => info.GetOpAccess(i) == OpAccess.Read).ToArray();
        });
        return flags[operand];
    }

    static Register FixedRegister(K kind) => kind switch
    {
        K.al => Register.AL, K.cl => Register.CL, K.ax => Register.AX, K.dx => Register.DX,
        K.eax => Register.EAX, K.rax => Register.RAX, K.st0 => Register.ST0,
        K.es => Register.ES, K.cs => Register.CS, K.ss => Register.SS, K.ds => Register.DS, K.fs => Register.FS, K.gs => Register.GS,
        _ => Register.None,
    };

    static bool RegisterFits(K kind, Register r)
    {
        var fixedReg = FixedRegister(kind);
        if (fixedReg != Register.None) return r == fixedReg;
        return kind switch
        {
            K.r8_or_mem or K.r8_reg or K.r8_opcode => r.IsGPR8(),
            K.r16_or_mem or K.r16_reg or K.r16_rm or K.r16_opcode => r.IsGPR16(),
            K.r32_or_mem or K.r32_or_mem_mpx or K.r32_reg or K.r32_rm or K.r32_opcode or K.r32_vvvv => r.IsGPR32(),
            K.r64_or_mem or K.r64_or_mem_mpx or K.r64_reg or K.r64_rm or K.r64_opcode or K.r64_vvvv => r.IsGPR64(),
            K.seg_reg => r.IsSegmentRegister(),
            K.cr_reg => r.IsCR(),
            K.dr_reg => r.IsDR(),
            K.tr_reg => r.IsTR(),
            K.sti_opcode => r.IsST(),
            K.mm_or_mem or K.mm_reg or K.mm_rm => r.IsMM(),
            K.xmm_or_mem or K.xmm_reg or K.xmm_rm or K.xmm_vvvv or K.xmm_is4 or K.xmm_is5 => r.IsXMM(),
            K.ymm_or_mem or K.ymm_reg or K.ymm_rm or K.ymm_vvvv or K.ymm_is4 or K.ymm_is5 => r.IsYMM(),
            K.k_or_mem or K.k_reg or K.k_rm or K.k_vvvv => r.IsK(),
            K.bnd_or_mem_mpx or K.bnd_reg => r.IsBND(),
            _ => false,
        };
    }

    static bool MemoryFits(Candidate c, K kind, ResolvedOperand op)
    {
        switch (kind)
        {
            case K.mem_offs:
                // NASM uses the moffs forms (A0-A3) only for an explicit 64-bit absolute address: [qword addr].
                if (!(op.IsAbsoluteAddress && op.AddrSize == 8)) return false;
                break;
            case K.mem or K.mem_mpx or K.mem_mib or K.sibmem:
            case K.r8_or_mem or K.r16_or_mem or K.r32_or_mem or K.r64_or_mem or K.r32_or_mem_mpx or K.r64_or_mem_mpx:
            case K.mm_or_mem or K.xmm_or_mem or K.ymm_or_mem or K.k_or_mem or K.bnd_or_mem_mpx:
                break;
            default:
                return false;
        }
        // Only far jmp/call need "far"; lfs/lgs/lss load a far pointer from memory without it.
        bool farBranch = c.MemorySize is MemorySize.SegPtr16 or MemorySize.SegPtr32 or MemorySize.SegPtr64
            && c.Info.Mnemonic is Mnemonic.Jmp or Mnemonic.Call;
        if (op.Far != farBranch) return false;
        if (op.Far)
        {
            // "jmp far [rax]" is m16:64 in NASM's 64-bit mode; a size keyword gives the offset size.
            int offset = op.Size == 0 ? 8 : op.Size;
            return c.MemorySize == (offset switch { 2 => MemorySize.SegPtr16, 4 => MemorySize.SegPtr32, _ => MemorySize.SegPtr64 });
        }
        return op.Size == 0 || c.MemorySize == MemorySize.Unknown || c.MemorySize.GetSize() == op.Size;
    }

    static bool IsImmediateKind(K k) => k is K.imm8 or K.imm8_const_1 or K.imm8sex16 or K.imm8sex32 or K.imm8sex64
        or K.imm16 or K.imm32 or K.imm32sex64 or K.imm64;

    static bool ImmediateFits(Candidate c, K kind, ResolvedOperand op, bool secondImmediate, out OpKind opKind)
    {
        long v = op.Imm.V;
        opKind = default;
        if (kind is K.br64_1 or K.br64_4 or K.xbegin_4)
        {
            if (op.Hint == BranchHint.Far || op.Size != 0) return false;
            if (op.Hint == BranchHint.Short && kind != K.br64_1) return false;
            if (op.Hint == BranchHint.Near && kind == K.br64_1) return false;
            opKind = OpKind.NearBranch64;
            return true;
        }
        if (op.Hint != BranchHint.None) return false;
        bool fits;
        (fits, opKind) = kind switch
        {
            K.imm8 => (v is >= -128 and <= 255, secondImmediate ? OpKind.Immediate8_2nd : OpKind.Immediate8),
            K.imm8_const_1 => (v == 1 && !op.Imm.IsRelocatable, OpKind.Immediate8),
            K.imm8sex16 => (v is >= -32768 and <= 0xFFFF && (short)v is >= -128 and <= 127, OpKind.Immediate8to16),
            K.imm8sex32 => (v is >= int.MinValue and <= uint.MaxValue && (int)v is >= -128 and <= 127, OpKind.Immediate8to32),
            K.imm8sex64 => (v is >= -128 and <= 127, OpKind.Immediate8to64),
            K.imm16 => (v is >= -32768 and <= 0xFFFF, OpKind.Immediate16),
            K.imm32 => (v is >= int.MinValue and <= uint.MaxValue, OpKind.Immediate32),
            K.imm32sex64 => (v is >= int.MinValue and <= int.MaxValue, OpKind.Immediate32to64),
            K.imm64 => (true, OpKind.Immediate64),
            _ => (false, default(OpKind)),
        };
        if (!fits) return false;
        // A size keyword on an immediate ("byte 1", "word 1", "dword 5") picks the immediate or operand size;
        // with "strict" it is exactly the width of the encoded immediate.
        if (op.Strict)
            return op.Size switch
            {
                0 => true,
                1 => kind is K.imm8 or K.imm8sex16 or K.imm8sex32 or K.imm8sex64,
                2 => kind == K.imm16,
                4 => kind == K.imm32 || (kind == K.imm32sex64 && c.Info.DefaultOpSize64),
                8 => kind == K.imm64,
                _ => false,
            };
        return op.Size switch
        {
            0 => true,
            1 => kind is K.imm8 or K.imm8sex16 or K.imm8sex32 or K.imm8sex64,
            2 => kind == K.imm16 || c.Info.OperandSize == 16,
            4 => kind == K.imm32 || c.Info.OperandSize == 32 || c.Info.DefaultOpSize64,
            8 => kind == K.imm64 || c.Info.OperandSize == 64,
            _ => false,
        };
    }
}
