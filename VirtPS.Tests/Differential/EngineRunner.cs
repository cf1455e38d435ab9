using System.Text;
using VirtPS.Engine.Cpu;

namespace VirtPS.Tests.Differential;

/// <summary>Runs a vector on the engine and compares results with the host CPU's, masked by what the SDM defines.</summary>
internal static class EngineRunner
{
    internal sealed record Outcome(MachineState State, ulong Rip, RunResult Run, GuestException? Exception, Exception? Crash);

    public const long SequenceBudget = 100_000;

    /// <summary>Runs <paramref name="v"/>; with <paramref name="translate"/>, under the host's translator engine
    /// (<see cref="ExecutionEngine.Translator"/>) with every block compiled before its first run, and single-instruction
    /// vectors decoded as one-instruction blocks so that their one-instruction budget covers the whole block
    /// (compiled code runs whole blocks only).</summary>
    public static Outcome Run(Vector v, bool translate = false) => Run(v, translate, out _);

    public static Outcome Run(Vector v, bool translate, out BlockTranslator? translator)
    {
        // Code may sit above the usual 1 MiB (the nasm oracle's programs start at 1 MiB): memory is allocated as touched.
        ulong end = v.CodeStart + (ulong)v.Code.Length + 1;
        var m = new Machine(Math.Max(Layout.GuestMemory, (end + 0xFFFFF) & ~0xFFFFFUL));
        translator = null;
        if (translate)
        {
            m.Engine = ExecutionEngine.Translator;
            translator = m.HostTranslator!;
            translator.CompileThreshold = 0;
            if (!v.Sequence) m.MaxBlockInstructions = 1;
        }
        m.Memory.Write(Layout.DataAddr, v.Input.Data);
        m.Memory.Write(Layout.StackWindowAddr, v.Input.Stack);
        byte[] code = v.Sequence ? [.. v.Code, 0xF4] : v.Code;     // HLT ends a sequence
        m.Memory.Write(v.CodeStart, code);
        for (int i = 0; i < 16; i++) m.Cpu.SetGpr((Gpr)i, v.Input.Gpr[i]);
        m.Cpu.Rflags = v.Input.Rflags;
        m.Cpu.Rip = v.CodeStart;
        RunResult r = default;
        Exception? crash = null;
        try { r = m.Run(v.Sequence ? SequenceBudget : 1); }
        catch (Exception e) { crash = e; }
        var s = new MachineState();
        for (int i = 0; i < 16; i++) s.Gpr[i] = m.Cpu.GetGpr((Gpr)i);
        s.Rflags = m.Cpu.Rflags;
        m.Memory.Read(Layout.DataAddr, s.Data);
        m.Memory.Read(Layout.StackWindowAddr, s.Stack);
        return new Outcome(s, m.Cpu.Rip, r, m.LastException, crash);
    }

    /// <summary>Differences between the recorded (host) result and the engine's outcome; empty when they agree.</summary>
    public static List<string> Check(Vector v, Outcome o)
    {
        var diffs = new List<string>();
        if (o.Crash != null) { diffs.Add($"engine threw {o.Crash.GetType().Name}: {o.Crash.Message}"); return diffs; }
        ulong end = v.CodeStart + (ulong)v.Code.Length;
        if (v.Sequence)
        {
            if (o.Run.Stop != RunStop.Halt)
                diffs.Add($"stop: expected Halt at the trailing HLT, got {o.Run.Stop} after {o.Run.Retired} retired at rip 0x{o.Rip:X}"
                          + (o.Exception != null ? $" ({o.Exception})" : ""));
            else if (o.Rip != end && o.Rip != end + 1)
                diffs.Add($"rip: expected 0x{end + 1:X} (after the trailing HLT), got 0x{o.Rip:X}");
        }
        else
        {
            if (o.Run.Stop != RunStop.Budget || o.Run.Retired != 1)
                diffs.Add($"stop: expected Budget with 1 retired, got {o.Run.Stop} with {o.Run.Retired}" + (o.Exception != null ? $" ({o.Exception})" : ""));
            if (o.Rip != end) diffs.Add($"rip: expected 0x{end:X}, got 0x{o.Rip:X}");
        }
        Compare(v, v.Output!, o.State, diffs);
        return diffs;
    }

    /// <summary>Register, flag and memory differences, ignoring what the SDM leaves undefined for this vector.</summary>
    public static void Compare(Vector v, MachineState expected, MachineState got, List<string> diffs)
    {
        ushort vendorHigh = FlagRules.VendorSpecificUpperHalves(v);
        for (int i = 0; i < 16; i++)
        {
            ulong mask = (vendorHigh & (1 << i)) != 0 ? 0xFFFF_FFFFUL : ulong.MaxValue;
            if ((v.UndefinedRegs & (1 << i)) == 0 && (expected.Gpr[i] & mask) != (got.Gpr[i] & mask))
                diffs.Add($"{Layout.GprNames[i]}: expected 0x{expected.Gpr[i]:X16}, got 0x{got.Gpr[i]:X16}");
        }
        ulong flagMask = (0x3F_FFFFUL & ~FlagRules.All) | v.DefinedFlags;
        ulong fd = (expected.Rflags ^ got.Rflags) & flagMask;
        if (fd != 0)
            diffs.Add($"rflags: expected 0x{expected.Rflags:X} [{FlagRules.Describe(expected.Rflags)}], got 0x{got.Rflags:X} [{FlagRules.Describe(got.Rflags)}]; "
                      + $"differing {FlagRules.Describe(fd)}{((fd & ~FlagRules.All & ~(1UL << 10)) != 0 ? $" (bits 0x{fd & ~FlagRules.All:X})" : "")}; compared status flags {FlagRules.Describe(v.DefinedFlags)}");
        CompareMemory(v, expected.Data, got.Data, Layout.DataAddr, 0, diffs);
        ulong lowestRsp = Math.Min(v.Input.Gpr[4], expected.Gpr[4]);
        CompareMemory(v, expected.Stack, got.Stack, Layout.StackWindowAddr, lowestRsp, diffs);
    }

    static void CompareMemory(Vector v, byte[] exp, byte[] got, ulong baseAddr, ulong from, List<string> diffs)
    {
        int reported = 0;
        for (int i = 0; i < exp.Length; i++)
        {
            ulong a = baseAddr + (ulong)i;
            if (a < from || exp[i] == got[i]) continue;
            if (v.UndefinedMemLength > 0 && a >= v.UndefinedMemAddr && a < v.UndefinedMemAddr + (ulong)v.UndefinedMemLength) continue;
            int j = i;
            while (j + 1 < exp.Length && j - i < 15 && exp[j + 1] != got[j + 1]) j++;
            diffs.Add($"memory 0x{a:X}: expected {Convert.ToHexString(exp, i, j - i + 1)}, got {Convert.ToHexString(got, i, j - i + 1)}");
            i = j;
            if (++reported == 4) { diffs.Add("memory: more differences not shown"); return; }
        }
    }

    /// <summary>The input state in a readable form: registers that differ from the defaults, flags, memory set up.</summary>
    public static string DescribeInput(Vector v)
    {
        var sb = new StringBuilder();
        var initial = MachineState.Initial();
        var regs = Enumerable.Range(0, 16).Where(i => v.Input.Gpr[i] != initial.Gpr[i]).Select(i => $"{Layout.GprNames[i]}=0x{v.Input.Gpr[i]:X}");
        sb.Append("regs: ").Append(string.Join(" ", regs));
        sb.Append($"; rflags=0x{v.Input.Rflags:X} [{FlagRules.Describe(v.Input.Rflags)}]");
        int shown = 0;
        for (int i = 0; i < initial.Data.Length && shown < 3; i++)
        {
            if (initial.Data[i] == v.Input.Data[i]) continue;
            int j = i;
            while (j + 1 < initial.Data.Length && j - i < 15 && initial.Data[j + 1] != v.Input.Data[j + 1]) j++;
            sb.Append($"; mem[0x{Layout.DataAddr + (ulong)i:X}]={Convert.ToHexString(v.Input.Data, i, j - i + 1)}");
            i = j; shown++;
        }
        sb.Append("; (other registers at Layout.DefaultGpr, memory at Layout.BasePattern)");
        return sb.ToString();
    }

    public static string Report(Vector v, int index, IEnumerable<string> diffs) =>
        $"  vector #{index}: {v.Disassembly()}   [bytes {Convert.ToHexString(v.Code).ToLowerInvariant()}{(v.CodeOffset != 0 ? $" at 0x{v.CodeStart:X}" : "")}]\n" +
        $"    input: {DescribeInput(v)}\n" +
        string.Concat(diffs.Select(d => $"    {d}\n"));
}
