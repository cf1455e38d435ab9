using Iced.Intel;

namespace VirtPS.Engine.Asm;

/// <summary>An operand with its expressions evaluated for the current pass: what the matcher compares with Iced's operand kinds.</summary>
internal sealed class ResolvedOperand
{
    public required ResolvedKind Kind { get; init; }
    public required Token At { get; init; }
    public Register Register { get; init; }

    // Memory
    /// <summary>Size keyword in bytes (0 = not given).</summary>
    public int Size { get; init; }
    public bool Far { get; init; }
    public Register Segment { get; init; }
    public Register Base { get; init; }
    public Register Index { get; init; }
    public int Scale { get; init; } = 1;
    public long Displacement { get; init; }
    /// <summary>The value Iced's encoder wants in <c>MemoryDisplSize</c> (0, 1 = shortest, 4/8 = forced 32-bit).</summary>
    public int DisplSize { get; init; }
    public bool RipRelative { get; init; }
    /// <summary>Size keyword written inside the brackets; 8 marks a 64-bit absolute (moffs) address.</summary>
    public int AddrSize { get; init; }
    public bool IsAbsoluteAddress => Base == Register.None && Index == Register.None && !RipRelative;

    // Immediate / branch target
    public Value Imm { get; init; }
    public BranchHint Hint { get; init; }
    public bool Strict { get; init; }

    public static ResolvedOperand Resolve(Operand op, IEvalContext ctx, bool defaultRel) => op switch
    {
        RegOperand r => new ResolvedOperand { Kind = ResolvedKind.Register, At = r.At, Register = r.Reg },
        ImmOperand i => new ResolvedOperand { Kind = ResolvedKind.Immediate, At = i.At, Imm = i.Value.Eval(ctx), Size = i.Size, Hint = i.Hint, Strict = i.Strict },
        MemOperand m => ResolveMemory(m, ctx, defaultRel),
        _ => throw new InvalidOperationException(),
    };

    sealed class Term(Register reg, long coeff, bool scaled)
    {
        public Register Reg = reg; public long Coeff = coeff; public bool Scaled = scaled;
    }

    static ResolvedOperand ResolveMemory(MemOperand m, IEvalContext ctx, bool defaultRel)
    {
        var terms = new List<Term>();
        var disp = Linearize(m.Address, ctx, terms, 1);
        // Merge repeats ([rax+rax] is rax*2) and drop cancelled registers.
        var merged = new List<Term>();
        foreach (var t in terms)
        {
            var same = merged.Find(x => x.Reg == t.Reg);
            if (same is null) merged.Add(t);
            else { same.Coeff += t.Coeff; same.Scaled |= t.Scaled; }
        }
        merged.RemoveAll(t => t.Coeff == 0);
        foreach (var t in merged)
            if (!(t.Reg.IsGPR64() || t.Reg.IsGPR32()))
                throw new AssemblyException(ctx.Line, m.At.Column, $"register '{t.Reg.ToString().ToLowerInvariant()}' cannot be used in an address");

        Register bas = Register.None, index = Register.None;
        int scale = 1;
        if (merged.Count > 2) throw new AssemblyException(ctx.Line, m.At.Column, "too many registers in address");
        if (merged.Count == 2)
        {
            // The register written with a multiplier is the index; otherwise the first one is the base (NASM's rule).
            var (b, i) = merged[0].Scaled || merged[0].Coeff != 1 ? (merged[1], merged[0]) : (merged[0], merged[1]);
            if (b.Coeff != 1) throw new AssemblyException(ctx.Line, m.At.Column, "only one register in an address can be scaled");
            if (i.Coeff == 1 && i.Reg is Register.RSP or Register.ESP) (b, i) = (i, b);
            bas = b.Reg; index = i.Reg; scale = (int)i.Coeff;
        }
        else if (merged.Count == 1)
        {
            var t = merged[0];
            switch (t.Coeff)
            {
                case 1: bas = t.Reg; break;
                // [rax*3] is [rax+rax*2]: NASM splits scales a base can absorb.
                case 2 or 3 or 5 or 9: bas = t.Reg; index = t.Reg; scale = (int)t.Coeff - 1; break;
                default: index = t.Reg; scale = (int)t.Coeff; break;
            }
        }
        if (scale is not (1 or 2 or 4 or 8)) throw new AssemblyException(ctx.Line, m.At.Column, $"invalid scale {scale}: must be 1, 2, 4 or 8");
        if (index is Register.RSP or Register.ESP) throw new AssemblyException(ctx.Line, m.At.Column, "rsp cannot be an index register");

        bool noRegs = bas == Register.None && index == Register.None;
        // NASM: rip-relative only for relocatable addresses (labels), never with fs/gs, unless "abs".
        bool rip = noRegs && disp.IsRelocatable && (m.Rel ?? defaultRel) && m.Segment is not (Register.FS or Register.GS);
        bool wide = bas.IsGPR64() || index.IsGPR64();
        int displSize;
        if (rip) displSize = 8;
        else if (noRegs) displSize = m.AddrSize == 4 ? 4 : 8;
        else if (m.AddrSize == 1) displSize = 1;
        else if (m.AddrSize >= 4 || disp.IsRelocatable) displSize = wide ? 8 : 4;
        else displSize = disp.V == 0 ? 0 : 1;
        return new ResolvedOperand
        {
            Kind = ResolvedKind.Memory, At = m.At, Size = m.Size, Far = m.Far, Segment = m.Segment,
            Base = rip ? Register.RIP : bas, Index = index, Scale = scale, Displacement = disp.V,
            DisplSize = displSize, RipRelative = rip, AddrSize = m.AddrSize,
        };
    }

    /// <summary>Splits an address expression into register terms and a constant displacement.</summary>
    static Value Linearize(Expr e, IEvalContext ctx, List<Term> terms, long factor)
    {
        switch (e)
        {
            case RegExpr r:
                terms.Add(new Term(r.Reg, factor, factor != 1));
                return new Value(0);
            case UnaryExpr { Op: "-" } u:
                {
                    var v = Linearize(u.E, ctx, terms, -factor);
                    return v;
                }
            case UnaryExpr { Op: "+" } u:
                return Linearize(u.E, ctx, terms, factor);
            case BinaryExpr { Op: "+" or "-" } b:
                {
                    var l = Linearize(b.L, ctx, terms, factor);
                    var r = Linearize(b.R, ctx, terms, b.Op == "-" ? -factor : factor);
                    return new Value(unchecked(l.V + r.V), l.Rel + r.Rel);
                }
            case BinaryExpr { Op: "*" } b when HasRegister(b.L) || HasRegister(b.R):
                {
                    if (HasRegister(b.L) && HasRegister(b.R))
                        throw new AssemblyException(ctx.Line, b.At.Column, "registers can only be multiplied by a constant");
                    var (regSide, constSide) = HasRegister(b.L) ? (b.L, b.R) : (b.R, b.L);
                    long c = constSide.Eval(ctx).V;
                    int before = terms.Count;
                    var v = Linearize(regSide, ctx, terms, unchecked(factor * c));
                    for (int i = before; i < terms.Count; i++) terms[i].Scaled = true;
                    return v;
                }
            default:
                if (HasRegister(e)) throw new AssemblyException(ctx.Line, e.At.Column, "an address can only add, subtract and scale registers");
                var val = e.Eval(ctx);
                return new Value(unchecked(val.V * factor), factor == 1 ? val.Rel : factor == -1 ? -val.Rel : 0);
        }
    }

    static bool HasRegister(Expr e) => e switch
    {
        RegExpr => true,
        UnaryExpr u => HasRegister(u.E),
        BinaryExpr b => HasRegister(b.L) || HasRegister(b.R),
        _ => false,
    };
}
