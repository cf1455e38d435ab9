using VirtPS.Engine.Asm;
using VirtPS.Engine.Costs;
using VirtPS.Engine.Cpu;
using VirtPS.Engine.Jvm;
using VirtPS.Engine.Trace;

namespace VirtPS.Engine.Styles;

/// <summary>
/// Application virtualization, the JVM's way: a process VM running as a user process of the built-in kernel on the bare
/// machine (no monitor under its code: every instruction runs natively, sensitive ones priced as <see cref="Native"/> does).
/// The guest runtime (<see cref="GuestRuntime"/>) interprets the program's bytecode in guest code and asks for a method
/// to be compiled when its invocation counter passes the threshold: a SYSCALL with RAX = 48 that this handler serves in
/// place of the kernel, as a binary translator's callout is served (one Callout, plus TranslateInstruction per bytecode
/// compiled: the compile work charged through the cost model). The compiler (<see cref="BaselineCompiler"/>) is host
/// code — as a JIT is native code of its host — and writes the method's x86-64 into the code cache in the process's own
/// image, where the CPU then runs it. Numbers 49 (exit) and 50 (start) report the runtime's counters.
/// Why the interpreter is guest code and the compiler host code: the figure the style is about, instructions per bytecode
/// interpreted versus compiled, is then counted by the CPU itself; the compiler's own instructions are not part of the
/// program, and are charged as translation work instead, as the BinaryTranslation style charges its translator.
/// </summary>
public sealed class Application(Machine machine) : Vmm(machine)
{
    public override VirtualizationStyle Style => VirtualizationStyle.Application;

    JavaProgram? _program;
    AssembledProgram? _image;
    Dictionary<string, long>? _symbols;
    ulong _cacheNext, _cacheEnd;
    readonly Dictionary<int, (ulong Address, int Size)> _compiled = [];
    long[]? _exitCounts;
    long _startRetired = -1, _exitRetired = -1;
    (long Retired, long Bytecodes)? _firstCompile, _lastCompile;
    (long Interpreted, long Compiled) _exitBytecodes;

    /// <summary>The linked program this guest runs (null before <see cref="Attach"/>).</summary>
    public JavaProgram? Program => _program;

    internal void Attach(JavaProgram program, AssembledProgram image)
    {
        _program = program; _image = image;
        _symbols = image.Symbols.ToDictionary(kv => kv.Key, kv => (long)kv.Value);
        _cacheNext = image.Symbols["code_cache"];
        _cacheEnd = image.Symbols["code_cache_end"];
    }

    internal override void Intercept(Processor p, Insn i)
    {
        if (_program != null && i.Sensitive == SensitiveOp.Syscall && p.Cpl == 3
            && p.R[(int)Gpr.Rax] is GuestRuntime.CompileRequest or GuestRuntime.RuntimeExit or GuestRuntime.RuntimeStart)
        {
            Events.Record(GuestEvent.Callout);
            // The instructions retired so far: the processor adds a block's count when the block ends, so the ones before
            // this SYSCALL in its block are added here.
            long retired = p.Retired + i.IndexInBlock;
            switch ((int)p.R[(int)Gpr.Rax])
            {
                case GuestRuntime.CompileRequest: p.R[(int)Gpr.Rax] = Compile(p, (int)p.R[(int)Gpr.Rdi], retired); break;
                case GuestRuntime.RuntimeStart: _startRetired = retired; p.R[(int)Gpr.Rax] = 0; break;
                default: Exit(p, retired); p.R[(int)Gpr.Rax] = 0; break;
            }
            p.Ip = i.NextIp;
            return;
        }
        Execute(p, i);
        CountHardware(p, i);
    }

    /// <summary>Compiles method <paramref name="index"/> into the code cache; its address, or 0 when it cannot (the
    /// runtime then keeps interpreting it).</summary>
    ulong Compile(Processor p, int index, long retired)
    {
        if (index < 0 || index >= _program!.Methods.Count) return 0;
        if (_compiled.TryGetValue(index, out var done)) return done.Address;
        var m = _program.Methods[index];
        long bytecodes = (long)p.R[15] + ReadGuest(p, "bc_compiled");   // R15: the interpreter's dispatch count
        _firstCompile ??= (retired, bytecodes);
        _lastCompile = (retired, bytecodes);
        AssembledProgram code;
        try { code = Assembler.Assemble(BaselineCompiler.Compile(m), _symbols, _cacheNext); }
        catch (AssemblyException e)
        {
            Diagnostics?.Warning(ErrorIds.JavaCompileFailed, $"{m} stays interpreted: its compiled form does not assemble ({e.Message}).");
            return 0;
        }
        if (_cacheNext + (ulong)code.Bytes.Length > _cacheEnd)
        {
            Diagnostics?.Warning(ErrorIds.JavaCompileFailed, $"{m} stays interpreted: the code cache ({GuestRuntime.CodeCacheSize} bytes) is full.");
            return 0;
        }
        if (!WriteGuest(p, _cacheNext, code.Bytes)) return 0;
        ulong at = _cacheNext;
        _cacheNext = (_cacheNext + (ulong)code.Bytes.Length + 15) & ~15UL;
        _compiled[index] = (at, code.Bytes.Length);
        Events.Charge(CostEvent.TranslateInstruction, m.Prepared!.Count);
        return at;
    }

    void Exit(Processor p, long retired)
    {
        _exitRetired = retired;
        _exitBytecodes = ((long)p.R[(int)Gpr.Rdi], ReadGuest(p, "bc_compiled"));
        _exitCounts = _program!.Methods.Select(m => ReadGuest(p, $"cnt_{m.Index}")).ToArray();
    }

    /// <summary>The runtime's counters as they stand (a new snapshot each time).</summary>
    public JvmCounters Counters
    {
        get
        {
            bool exited = _exitRetired >= 0;
            var (interpreted, compiled) = _exitBytecodes;
            long total = interpreted + compiled;
            long program = _startRetired < 0 ? 0 : (exited ? _exitRetired : Cpu.Retired) - _startRetired;
            double? perBytecode = null, before = null, after = null;
            if (exited && _startRetired >= 0)
            {
                perBytecode = Ratio(program, total);
                var first = _firstCompile ?? (_exitRetired, total);
                before = Ratio(first.Retired - _startRetired, first.Bytecodes);
                if (_lastCompile is { } last) after = Ratio(_exitRetired - last.Retired, total - last.Bytecodes);
            }
            return new JvmCounters(interpreted, compiled, _compiled.Count, _compiled.Values.Sum(v => (long)v.Size), program,
                perBytecode, before, after, exited);
        }
    }

    static double? Ratio(long instructions, long bytecodes) => bytecodes > 0 ? Math.Round((double)instructions / bytecodes, 2) : null;

    /// <summary>Every method of the program, abstract ones included, with its state and counters.</summary>
    public IEnumerable<JvmMethodInfo> MethodsOf(string guest)
    {
        if (_program is null) yield break;
        foreach (var m in _program.AllMethods)
        {
            bool compiled = m.Index >= 0 && _compiled.ContainsKey(m.Index);
            var state = m.IsAbstract ? JavaMethodState.Abstract : compiled ? JavaMethodState.Compiled : JavaMethodState.Interpreted;
            long invocations = m.Index < 0 ? 0 : _exitCounts?[m.Index] ?? ReadGuest(Cpu, $"cnt_{m.Index}");
            yield return new JvmMethodInfo(guest, m.ClassName.Replace('/', '.'), m.Name, m.Descriptor, state, invocations, m.Code?.Length ?? 0,
                m.PreparedSize, compiled ? _compiled[m.Index].Size : 0, compiled ? _compiled[m.Index].Address : null);
        }
    }

    /// <summary>A runtime variable (a heap-data qword) read through the process's page tables; 0 where it is not mapped
    /// (before the runtime has copied its data in).</summary>
    long ReadGuest(Processor p, string symbol)
    {
        if (_symbols is null || !_symbols.TryGetValue(symbol, out var va)) return 0;
        if ((p.Cr0 & Processor.Cr0PG) == 0) return 0;
        var pa = p.Probe((ulong)va);
        if (pa is not { } at || !Machine.Memory.Contains(at, 8)) return 0;
        return BitConverter.ToInt64(Machine.Memory.Read(at, 8));
    }

    /// <summary>Writes compiled code into the process's image (mapped read-only and executable to the process: the JIT
    /// writes it from outside, as a W^X JIT maps its pages writable elsewhere), page by page through the process's
    /// tables, and drops any decoded instructions of those frames.</summary>
    bool WriteGuest(Processor p, ulong va, byte[] bytes)
    {
        for (int done = 0; done < bytes.Length;)
        {
            ulong at = va + (ulong)done;
            int n = (int)Math.Min((ulong)(bytes.Length - done), 4096 - (at & 4095));
            if (p.Probe(at) is not { } pa || !Machine.Memory.Contains(pa, (ulong)n)) return false;
            Machine.Memory.Write(pa, bytes.AsSpan(done, n));
            if (p.IsCodeFrame?.Invoke(pa >> 12) == true) p.CodeWritten?.Invoke(pa >> 12);
            done += n;
        }
        return true;
    }
}
