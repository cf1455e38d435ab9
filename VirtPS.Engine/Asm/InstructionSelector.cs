using Iced.Intel;
using K = Iced.Intel.OpCodeOperandKind;

namespace VirtPS.Engine.Asm;

/// <summary>
/// Picks, among the Iced forms that fit the operands, the encoding NASM would emit, and encodes it.
/// The rule is "shortest wins", refined by the few preferences NASM applies on top (all listed
/// in <see cref="Rank"/> and <see cref="ApplyNasmForms"/>).
/// </summary>
internal static class InstructionSelector
{
    sealed class CodeBuffer : CodeWriter
    {
        public readonly List<byte> Bytes = new(16);
        public override void WriteByte(byte value) => Bytes.Add(value);
    }

    static readonly Dictionary<string, byte> PrefixBytes = new()
    {
        ["lock"] = 0xF0, ["rep"] = 0xF3, ["repe"] = 0xF3, ["repz"] = 0xF3, ["repne"] = 0xF2, ["repnz"] = 0xF2,
        ["es"] = 0x26, ["cs"] = 0x2E, ["ss"] = 0x36, ["ds"] = 0x3E, ["fs"] = 0x64, ["gs"] = 0x65, ["o16"] = 0x66, ["a32"] = 0x67,
    };

    readonly record struct Choice(Instruction Ins, Candidate Cand, int Ordering, (int, int, int, int) Penalty);

    /// <param name="longBranch">
    /// In: force the rel32 form of a relaxable branch. Out: set when the rel32 form was chosen.
    /// The assembler uses it only as its grow-only fallback when branch sizes oscillate.
    /// </param>
    public static byte[] Encode(Statement st, List<ResolvedOperand> ops, ulong ip, ref bool longBranch)
    {
        int line = st.Line;
        var mn = st.Mnemonic;
        int opSize = 0;
        var segment = Register.None;
        bool lockPrefix = false, rep = false, repne = false;
        foreach (var p in st.Prefixes)
        {
            switch (p.Text.ToLowerInvariant())
            {
                case "lock": lockPrefix = true; break;
                case "rep" or "repe" or "repz": rep = true; break;
                case "repne" or "repnz": repne = true; break;
                case "o16": opSize = 16; break;
                case "o32": opSize = 32; break;
                case "o64": opSize = 64; break;
                case "a64": break; // the 64-bit mode default
                case "a32": throw new AssemblyException(line, p.Column, "a32 (32-bit addressing) prefixes are not supported; use 32-bit registers in the address");
                default:
                    Registers.TryParse(p.Text, out segment);
                    break;
            }
        }

        string name = mn.Text.ToLowerInvariant();
        // A prefix on a line of its own ("lock", "rep", "fs") is just its byte.
        if (ops.Count == 0 && PrefixBytes.TryGetValue(name, out byte prefixByte)) return [prefixByte];
        var cands = OperandMatcher.Lookup(mn.Text, ref opSize)
            ?? throw new AssemblyException(line, mn.Column, OperandMatcher.IsLegacyOnly(mn.Text)
                ? $"'{mn.Text}' is not valid in 64-bit mode" : $"unknown instruction '{mn.Text}'");

        // "imul eax, 10" is NASM shorthand for "imul eax, eax, 10".
        if (name == "imul" && ops.Count == 2 && ops[0].Kind == ResolvedKind.Register && ops[1].Kind == ResolvedKind.Immediate)
            ops = [ops[0], ops[0], ops[1]];

        // XCHG and TEST are symmetric; NASM reaches forms with the operands either way round
        // (and for XCHG prefers the register-in-reg-field form, i.e. the swapped order, on ties).
        var orderings = new List<List<ResolvedOperand>> { ops };
        if (ops.Count == 2 && name is "xchg" or "test")
        {
            List<ResolvedOperand> swapped = [ops[1], ops[0]];
            if (name == "xchg") orderings.Insert(0, swapped); else orderings.Add(swapped);
        }

        bool has16 = opSize == 16 || ops.Any(o => (o.Kind == ResolvedKind.Register && o.Register.IsGPR16())
            || (o.Kind != ResolvedKind.Register && o.Size == 2));

        var matched = new List<Choice>();
        for (int k = 0; k < orderings.Count; k++)
            foreach (var c in cands)
            {
                if (opSize != 0 && c.Info.OperandSize != opSize && !(opSize == 32 && c.Info.OperandSize == 0)) continue;
                if (!OperandMatcher.TryBuild(c, orderings[k], out var ins)) continue;
                if (!ApplyNasmForms(ref ins, orderings[k])) continue;
                matched.Add(new Choice(ins, c, k, Rank(c, orderings[k], has16, longBranch)));
            }

        if (matched.Count == 0)
            throw new AssemblyException(line, mn.Column,
                $"no form of '{name}' takes ({(ops.Count == 0 ? "no operands" : string.Join(", ", ops.Select(Describe)))})");

        // An unsized memory operand is ambiguous if the preferred forms disagree on its size.
        var mem = ops.FirstOrDefault(o => o.Kind == ResolvedKind.Memory);
        if (mem is not null && mem.Size == 0 && !mem.Far)
        {
            int best = matched.Min(m => m.Penalty.Item1);
            var sizes = matched.Where(m => m.Penalty.Item1 == best && m.Cand.MemorySize != MemorySize.Unknown)
                .Select(m => m.Cand.MemorySize.GetSize()).Distinct().Count();
            bool sizedByImmediate = ops.Any(o => o.Kind == ResolvedKind.Immediate && o.Size > 1);
            if (sizes > 1 && !sizedByImmediate)
                throw new AssemblyException(line, mem.At.Column, $"operand size not specified for '{name}': write byte, word, dword or qword before the memory operand");
        }

        var buffer = new CodeBuffer();
        var encoder = Encoder.Create(64, buffer);
        byte[]? bestBytes = null;
        ((int, int, int, int), int, int, int, int) bestKey = default;
        Choice bestChoice = default;
        string? firstError = null;
        foreach (var m in matched)
        {
            var ins = m.Ins;
            if (segment != Register.None) ins.SegmentPrefix = segment;
            if (lockPrefix) ins.HasLockPrefix = true;
            if (rep) ins.HasRepPrefix = true;
            if (repne) ins.HasRepnePrefix = true;
            buffer.Bytes.Clear();
            if (!encoder.TryEncode(ins, ip, out _, out var err))
            {
                firstError ??= err;
                continue;
            }
            // Ties in length: NASM prefers the sign-extended imm8 form (add ax, 1 is 66 83 C0 01, not 66 05 01 00).
            int notImm8 = m.Cand.Kinds.Any(k => k is K.imm8sex16 or K.imm8sex32 or K.imm8sex64) ? 0 : 1;
            var key = (m.Penalty, buffer.Bytes.Count, notImm8, m.Ordering, m.Cand.Order);
            if (bestBytes is null || key.CompareTo(bestKey) < 0)
            {
                bestKey = key;
                bestBytes = NasmByteOrder(buffer.Bytes, ins, m.Cand, encoder, buffer, ip);
                bestChoice = m;
            }
        }
        if (bestBytes is null)
        {
            var branch = ops.FirstOrDefault(o => o.Kind == ResolvedKind.Immediate);
            if (firstError is not null && firstError.Contains("too far", StringComparison.OrdinalIgnoreCase) && branch is not null)
                throw new AssemblyException(line, branch.At.Column,
                    $"jump target out of range: '{name}' reaches only -128..+127 bytes and the target is {branch.Imm.V - (long)ip - 2} bytes away");
            throw new AssemblyException(line, mn.Column, $"cannot encode '{name}': {firstError}");
        }
        // Report that this branch needed its long form (used by the grow-only fallback).
        if (bestChoice.Cand.Kinds.Contains(K.br64_4) && matched.Any(m => m.Cand.Kinds.Contains(K.br64_1)))
            longBranch = true;
        return bestBytes;
    }

    /// <summary>
    /// Preferences that come before length, smaller is better:
    /// 1. a 16-bit form only when something in the source asks for 16 bits (64-bit mode defaults to 32/64);
    /// 2. NASM never shrinks an immediate that is a label address (relocatable): keep the widest immediate;
    /// 3. the moffs form for a [qword addr] operand;
    /// 4. a rel8 branch only to a label (NASM does not relax jumps to plain numbers), and not when forced long.
    /// </summary>
    static (int, int, int, int) Rank(Candidate c, List<ResolvedOperand> ops, bool has16, bool longBranch)
    {
        int size16 = c.Info.OperandSize == 16 && !has16 ? 1 : 0;
        int reloc = 0, branch = 0, moffs = 0;
        for (int i = 0; i < ops.Count && i < c.Kinds.Length; i++)
        {
            // [qword addr] asks for the 64-bit moffs form (A0-A3) where one exists.
            if (ops[i].Kind == ResolvedKind.Memory && ops[i].IsAbsoluteAddress && ops[i].AddrSize == 8 && c.Kinds[i] != K.mem_offs)
                moffs = 1;
            if (ops[i].Kind != ResolvedKind.Immediate) continue;
            var kind = c.Kinds[i];
            if (ops[i].Imm.IsRelocatable)
                reloc = kind switch { K.imm8sex16 or K.imm8sex32 or K.imm8sex64 => 2, K.imm32sex64 => 1, _ => reloc };
            if (kind == K.br64_1 && ops[i].Hint != BranchHint.Short && (longBranch || !ops[i].Imm.IsRelocatable))
                branch = 1;
        }
        return (size16, moffs, reloc, branch);
    }

    /// <summary>Rewrites where NASM emits a different (shorter, equivalent) form than the literal one.</summary>
    static bool ApplyNasmForms(ref Instruction ins, List<ResolvedOperand> ops)
    {
        switch (ins.Code)
        {
            case Code.Mov_r64_imm64 when !ops[1].Imm.IsRelocatable && !ops[1].Strict && ops[1].Imm.V is >= 0 and <= uint.MaxValue:
                // mov rax, 1 -> mov eax, 1 (the upper half is zeroed anyway).
                ins.Code = Code.Mov_r32_imm32;
                ins.Op0Register = Register.EAX + (ins.Op0Register - Register.RAX);
                ins.Op1Kind = OpKind.Immediate32;
                ins.Immediate32 = (uint)ops[1].Imm.V;
                return true;
            case Code.Mov_r64m16_Sreg when ins.Op0Kind == OpKind.Register:
                // mov rax, ds: REX.W is redundant, NASM omits it.
                ins.Code = Code.Mov_r32m16_Sreg;
                ins.Op0Register = Register.EAX + (ins.Op0Register - Register.RAX);
                return true;
            case Code.Xchg_r32_EAX when ins.Op0Register == Register.EAX:
                // xchg eax, eax must not become 90h (nop), which would not zero-extend.
                return false;
        }
        return true;
    }

    /// <summary>
    /// Byte-level differences from Iced's output: NASM writes legacy prefixes as lock/rep, segment, 66h, 67h,
    /// and gives INVPCID a (redundant) REX.W.
    /// </summary>
    static byte[] NasmByteOrder(List<byte> bytes, Instruction ins, Candidate cand, Encoder encoder, CodeBuffer buffer, ulong ip)
    {
        if (ins.Code == Code.Invpcid_r64_m128)
        {
            // Encode one byte further on so a rip-relative displacement stays right after inserting REX.W.
            buffer.Bytes.Clear();
            encoder.Encode(ins, ip + 1);
            int at = buffer.Bytes.IndexOf(0x0F);
            if (at > 0 && buffer.Bytes[at - 1] is >= 0x40 and <= 0x4F) buffer.Bytes[at - 1] |= 0x08;
            else buffer.Bytes.Insert(at, 0x48);
            bytes = buffer.Bytes;
        }
        int n = 0;
        while (n < bytes.Count && PrefixGroup(bytes[n]) >= 0) n++;
        var result = bytes.ToArray();
        // A mandatory prefix (popcnt's F3) is part of the opcode and keeps its place.
        if (n > 1 && cand.Info.MandatoryPrefix is MandatoryPrefix.None or MandatoryPrefix.PNP)
        {
            var ordered = result.Take(n).OrderBy(PrefixGroup).ToArray(); // stable
            ordered.CopyTo(result, 0);
        }
        return result;
    }

    static int PrefixGroup(byte b) => b switch
    {
        0xF0 or 0xF2 or 0xF3 => 0,
        0x26 or 0x2E or 0x36 or 0x3E or 0x64 or 0x65 => 1,
        0x66 => 2,
        0x67 => 3,
        _ => -1,
    };

    static string Describe(ResolvedOperand o)
    {
        static string SizeName(int n) => Parser.SizeKeywords.FirstOrDefault(kv => kv.Value == n).Key ?? $"{n}-byte";
        switch (o.Kind)
        {
            case ResolvedKind.Register:
                var r = o.Register;
                if (r.IsGPR()) return $"{SizeName(r.GetSize())} register";
                if (r.IsSegmentRegister()) return "segment register";
                if (r.IsCR()) return "control register";
                if (r.IsDR()) return "debug register";
                return $"{r.ToString().ToLowerInvariant()} register";
            case ResolvedKind.Memory:
                return (o.Far ? "far " : "") + (o.Size == 0 ? "memory" : $"{SizeName(o.Size)} memory");
            default:
                return o.Size == 0 ? "immediate" : $"{SizeName(o.Size)} immediate";
        }
    }
}
