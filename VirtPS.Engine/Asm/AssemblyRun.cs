namespace VirtPS.Engine.Asm;

/// <summary>The state of one assembly: symbols, and what each pass learned about sizes.</summary>
internal sealed class AssemblyRun : IEvalContext
{
    const int MaxPasses = 64;
    /// <summary>
    /// Like NASM, a branch is short whenever its target is in range in the current pass, so it may
    /// also shrink again. Should that oscillate, after this many passes branches may only grow.
    /// </summary>
    const int GrowOnlyAfter = 16;

    readonly List<Statement> _statements;
    readonly IReadOnlyDictionary<string, long> _defines;
    readonly ulong _initialOrigin;
    readonly HashSet<string> _labels = new(StringComparer.Ordinal);
    readonly HashSet<string> _equs = new(StringComparer.Ordinal);
    readonly Dictionary<string, Value> _symbols = new(StringComparer.Ordinal);
    readonly int[] _previousSize;
    readonly bool[] _longBranch;

    // Per-pass state.
    ulong _origin;
    ulong _here;
    /// <summary>Where the next instruction is encoded; differs from '$' (<see cref="_here"/>) inside times.</summary>
    ulong _ip;
    int _line;
    bool _defaultRel;
    bool _changed;
    bool _usedUnknown;
    int _pass;

    public AssemblyRun(List<Statement> statements, IReadOnlyDictionary<string, long> defines, ulong origin)
    {
        _statements = statements;
        _defines = defines;
        _initialOrigin = origin;
        _previousSize = new int[statements.Count];
        _longBranch = new bool[statements.Count];
        var firstLine = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var st in statements)
        {
            if (st.Label is null) continue;
            if (firstLine.TryGetValue(st.Label, out int first))
                throw new AssemblyException(st.Line, st.LabelToken.Column, $"duplicate label '{st.LabelToken.Text}' (first defined on line {first})");
            if (defines.ContainsKey(st.Label))
                throw new AssemblyException(st.Line, st.LabelToken.Column, $"label '{st.LabelToken.Text}' is also given as a define");
            firstLine[st.Label] = st.Line;
            (st.Kind == StatementKind.Equ ? _equs : _labels).Add(st.Label);
        }
    }

    public Value Here => new((long)_here, 1);
    public Value SectionStart => new((long)_origin, 1);
    public int Line => _line;

    public Value Lookup(string name, Token at)
    {
        // A forward reference sees last pass's value, exactly like NASM; its branch sizing
        // ("short if the target is in range with the values known now") then gives the same layout.
        if (_symbols.TryGetValue(name, out var v)) return v;
        if (_defines.TryGetValue(name, out long d)) return new Value(d);
        if (_labels.Contains(name) || _equs.Contains(name))
        {
            // A forward reference on the first pass: guess "here" for labels (short branches first), 0 for constants.
            _usedUnknown = true;
            return _labels.Contains(name) ? Here : new Value(0);
        }
        throw new AssemblyException(_line, at.Column, $"undefined symbol '{at.Text}'");
    }

    void Define(string name, Value value)
    {
        if (!_symbols.TryGetValue(name, out var old) || old != value) _changed = true;
        _symbols[name] = value;
    }

    public AssembledProgram Run()
    {
        for (_pass = 1; _pass <= MaxPasses; _pass++)
        {
            var (bytes, listing, errors) = RunPass();
            if (_changed || _usedUnknown) continue;
            if (errors.Count > 0) throw errors[0];
            var symbols = new Dictionary<string, ulong>(StringComparer.Ordinal);
            foreach (var (name, value) in _symbols) symbols[name] = unchecked((ulong)value.V);
            ulong entry = symbols.TryGetValue("_start", out var s) && _labels.Contains("_start") ? s
                : symbols.TryGetValue("start", out s) && _labels.Contains("start") ? s : _origin;
            return new AssembledProgram(bytes.ToArray(), _origin, entry, symbols, listing);
        }
        throw new AssemblyException(1, 1, $"the layout did not settle after {MaxPasses} passes (a size depends on itself)");
    }

    (List<byte> bytes, List<ListingLine> listing, List<AssemblyException> errors) RunPass()
    {
        _changed = false;
        _usedUnknown = false;
        _defaultRel = false;
        _origin = _initialOrigin;
        var output = new List<byte>();
        var listing = new List<ListingLine>();
        var errors = new List<AssemblyException>();
        for (int i = 0; i < _statements.Count; i++)
        {
            var st = _statements[i];
            _line = st.Line;
            _here = _ip = _origin + (ulong)output.Count;
            byte[] bytes;
            try
            {
                if (st.Label is not null && st.Kind != StatementKind.Equ) Define(st.Label, Here);
                bytes = EmitWithTimes(st, i, output.Count == 0);
            }
            catch (AssemblyException e)
            {
                // Keep the layout as it was; the error only counts if it survives to the settled pass.
                errors.Add(e);
                bytes = new byte[_previousSize[i]];
            }
            _previousSize[i] = bytes.Length;
            if (bytes.Length > 0)
            {
                listing.Add(new ListingLine(st.Line, _origin + (ulong)output.Count, bytes, st.Source));
                output.AddRange(bytes);
            }
        }
        return (output, listing, errors);
    }

    byte[] EmitWithTimes(Statement st, int index, bool atStart)
    {
        if (st.Times is null) return Emit(st, index, atStart);
        long count = st.Times.Eval(this).V;
        if (count < 0) throw new AssemblyException(st.Line, st.Times.At.Column, $"times count is negative ({count})");
        if (count == 0) return [];
        var first = Emit(st, index, atStart);
        // In NASM '$' stays the start of the line for every repetition, so data repeats as is;
        // instructions are re-encoded at each address (relative branches differ).
        if (st.Kind != StatementKind.Instruction)
        {
            var all = new byte[first.Length * count];
            for (long k = 0; k < count; k++) first.CopyTo(all, k * first.Length);
            return all;
        }
        var result = new List<byte>(first);
        ulong start = _ip;
        for (long k = 1; k < count; k++)
        {
            _ip = start + (ulong)result.Count;
            var next = Emit(st, index, false);
            result.AddRange(next);
            // Same bytes at a different address: the encoding does not depend on it, so copy the rest.
            if (k == 1 && next.AsSpan().SequenceEqual(first))
            {
                for (long r = 2; r < count; r++) result.AddRange(first);
                break;
            }
        }
        _ip = start;
        return result.ToArray();
    }

    byte[] Emit(Statement st, int index, bool atStart)
    {
        switch (st.Kind)
        {
            case StatementKind.Empty or StatementKind.Ignored:
                return [];
            case StatementKind.Bits:
                long bits = st.Arg!.Eval(this).V;
                if (bits != 64) throw new AssemblyException(st.Line, st.Arg.At.Column, $"only 'bits 64' is supported, not {bits}");
                return [];
            case StatementKind.Default:
                _defaultRel = st.DefaultRel;
                return [];
            case StatementKind.Org:
                if (!atStart) throw new AssemblyException(st.Line, st.KeywordToken.Column, "'org' must come before any code or data");
                _origin = _here = _ip = unchecked((ulong)st.Arg!.Eval(this).V);
                if (st.Label is not null) Define(st.Label, Here);
                return [];
            case StatementKind.Equ:
                Define(st.Label!, st.Arg!.Eval(this));
                return [];
            case StatementKind.Data:
                return EmitData(st);
            case StatementKind.Reserve:
                long n = st.Arg!.Eval(this).V;
                if (n < 0) throw new AssemblyException(st.Line, st.Arg.At.Column, $"reserve count is negative ({n})");
                return new byte[n * st.UnitSize];
            case StatementKind.Align:
                return EmitAlign(st, index);
            case StatementKind.Instruction:
                var ops = st.Operands.Select(o => ResolvedOperand.Resolve(o, this, _defaultRel)).ToList();
                bool growOnly = _pass > GrowOnlyAfter;
                bool longBranch = growOnly && _longBranch[index];
                var code = InstructionSelector.Encode(st, ops, _ip, ref longBranch);
                if (growOnly) _longBranch[index] = longBranch;
                return code;
            default:
                throw new InvalidOperationException(st.Kind.ToString());
        }
    }

    byte[] EmitData(Statement st)
    {
        var bytes = new List<byte>();
        int unit = st.UnitSize;
        foreach (var item in st.Items)
        {
            if (item.Text is not null)
            {
                bytes.AddRange(item.Text);
                // dw/dd/dq pad a string to a whole number of units.
                int rem = item.Text.Length % unit;
                if (rem != 0) bytes.AddRange(new byte[unit - rem]);
                continue;
            }
            long v = item.Value!.Eval(this).V;
            for (int b = 0; b < unit; b++) bytes.Add(b < 8 ? (byte)(v >> (8 * b)) : (byte)(v < 0 ? 0xFF : 0));
        }
        return bytes.ToArray();
    }

    byte[] EmitAlign(Statement st, int index)
    {
        long n = st.Arg!.Eval(this).V;
        if (n <= 0 || (n & (n - 1)) != 0)
            throw new AssemblyException(st.Line, st.Arg.At.Column, $"alignment must be a power of two, not {n}");
        long pad = (n - (long)((_here - _origin) % (ulong)n)) % n;
        // NASM's align is "times pad nop" (or "times pad <fill>").
        if (st.Fill is null) return Enumerable.Repeat((byte)0x90, (int)pad).ToArray();
        var result = new List<byte>();
        ulong start = _ip;
        for (long k = 0; k < pad; k++)
        {
            _ip = start + (ulong)result.Count;
            result.AddRange(Emit(st.Fill, index, false));
        }
        _ip = start;
        return result.ToArray();
    }
}
