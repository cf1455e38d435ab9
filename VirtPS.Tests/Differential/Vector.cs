using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Iced.Intel;

namespace VirtPS.Tests.Differential;

/// <summary>
/// One differential test vector: code, the complete input state, what the host CPU produced, and what
/// of it the SDM defines. <see cref="Sequence"/> code is run until a trailing HLT in the engine
/// (branches, loops, REP strings); otherwise the code is one instruction run with a budget of 1.
/// </summary>
internal sealed class Vector
{
    public required string Form;
    public required byte[] Code;
    public bool Sequence;
    /// <summary>The code starts at <see cref="Layout.CodeAddr"/> + this (page-straddling instructions).</summary>
    public int CodeOffset;
    public ulong CodeStart => Layout.CodeAddr + (ulong)CodeOffset;
    public required MachineState Input;
    public MachineState? Output;
    /// <summary>Status flags (CF PF AF ZF SF OF) to compare; other RFLAGS bits are always compared.</summary>
    public ulong DefinedFlags = FlagRules.All;
    /// <summary>Bit i set: GPR i's result is undefined (not compared).</summary>
    public ushort UndefinedRegs;
    /// <summary>Memory whose result is undefined (not compared), if <see cref="UndefinedMemLength"/> &gt; 0.</summary>
    public ulong UndefinedMemAddr;
    public int UndefinedMemLength;

    /// <summary>The code disassembled with Iced (Intel syntax), instruction by instruction.</summary>
    public string Disassembly()
    {
        var dec = Iced.Intel.Decoder.Create(64, new ByteArrayCodeReader(Code), CodeStart);
        var fmt = new IntelFormatter();
        fmt.Options.FirstOperandCharIndex = 0;
        var sb = new StringBuilder();
        var o = new StringOutput();
        while (dec.IP < CodeStart + (ulong)Code.Length)
        {
            var ins = dec.Decode();
            if (sb.Length > 0) sb.Append("; ");
            fmt.Format(ins, o);
            sb.Append(o.ToStringAndReset());
        }
        return sb.ToString();
    }

    // ---- serialization: one JSON object per line, only what differs from the defaults ----

    static readonly MachineState Initial = MachineState.Initial();

    public string ToJson()
    {
        var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms))
        {
            w.WriteStartObject();
            w.WriteString("f", Form);
            w.WriteString("c", Hex(Code));
            if (Sequence) w.WriteNumber("q", 1);
            if (CodeOffset != 0) w.WriteNumber("co", CodeOffset);
            var initial = Initial;
            WriteRegs(w, "r", initial, Input);
            w.WriteString("fl", Input.Rflags.ToString("x"));
            WriteMem(w, "m", initial, Input);
            if (Output != null)
            {
                WriteRegs(w, "o", Input, Output);
                w.WriteString("of", Output.Rflags.ToString("x"));
                WriteMem(w, "om", Input, Output);
            }
            if (DefinedFlags != FlagRules.All) w.WriteString("d", DefinedFlags.ToString("x"));
            if (UndefinedRegs != 0) w.WriteString("ur", UndefinedRegs.ToString("x"));
            if (UndefinedMemLength > 0) w.WriteString("um", $"{UndefinedMemAddr:x}:{UndefinedMemLength}");
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(ms.ToArray());
    }

    static void WriteRegs(Utf8JsonWriter w, string name, MachineState from, MachineState to)
    {
        w.WriteStartObject(name);
        for (int i = 0; i < 16; i++)
            if (from.Gpr[i] != to.Gpr[i]) w.WriteString(Layout.GprNames[i], to.Gpr[i].ToString("x"));
        w.WriteEndObject();
    }

    static void WriteMem(Utf8JsonWriter w, string name, MachineState from, MachineState to)
    {
        w.WriteStartObject(name);
        foreach (var (addr, bytes) in Diff(from.Data, to.Data, Layout.DataAddr).Concat(Diff(from.Stack, to.Stack, Layout.StackWindowAddr)))
            w.WriteString(addr.ToString("x"), Hex(bytes));
        w.WriteEndObject();
    }

    /// <summary>Runs of differing bytes (runs closer than 8 bytes are merged).</summary>
    static IEnumerable<(ulong, byte[])> Diff(byte[] a, byte[] b, ulong baseAddr)
    {
        int i = 0;
        while (i < a.Length)
        {
            if (a[i] == b[i]) { i++; continue; }
            int start = i, last = i;
            for (int j = i + 1; j < a.Length && j <= last + 8; j++) if (a[j] != b[j]) last = j;
            yield return (baseAddr + (ulong)start, b[start..(last + 1)]);
            i = last + 1;
        }
    }

    public static Vector FromJson(string line)
    {
        using var doc = JsonDocument.Parse(line);
        var e = doc.RootElement;
        var input = MachineState.Initial();
        ReadRegs(e, "r", input);
        input.Rflags = ParseHex(e.GetProperty("fl").GetString()!);
        ReadMem(e, "m", input);
        var v = new Vector
        {
            Form = e.GetProperty("f").GetString()!,
            Code = Convert.FromHexString(e.GetProperty("c").GetString()!),
            Sequence = e.TryGetProperty("q", out var q) && q.GetInt32() != 0,
            CodeOffset = e.TryGetProperty("co", out var co) ? co.GetInt32() : 0,
            Input = input,
        };
        if (e.TryGetProperty("of", out var of))
        {
            var output = input.Clone();
            ReadRegs(e, "o", output);
            output.Rflags = ParseHex(of.GetString()!);
            ReadMem(e, "om", output);
            v.Output = output;
        }
        if (e.TryGetProperty("d", out var d)) v.DefinedFlags = ParseHex(d.GetString()!);
        if (e.TryGetProperty("ur", out var ur)) v.UndefinedRegs = (ushort)ParseHex(ur.GetString()!);
        if (e.TryGetProperty("um", out var um))
        {
            var parts = um.GetString()!.Split(':');
            v.UndefinedMemAddr = ParseHex(parts[0]);
            v.UndefinedMemLength = int.Parse(parts[1], CultureInfo.InvariantCulture);
        }
        return v;
    }

    static void ReadRegs(JsonElement e, string name, MachineState s)
    {
        if (!e.TryGetProperty(name, out var regs)) return;
        foreach (var p in regs.EnumerateObject()) s.Gpr[Layout.GprIndex(p.Name)] = ParseHex(p.Value.GetString()!);
    }

    static void ReadMem(JsonElement e, string name, MachineState s)
    {
        if (!e.TryGetProperty(name, out var mem)) return;
        foreach (var p in mem.EnumerateObject()) s.Poke(ParseHex(p.Name), Convert.FromHexString(p.Value.GetString()!));
    }

    static ulong ParseHex(string s) => ulong.Parse(s, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
    static string Hex(byte[] b) => Convert.ToHexString(b).ToLowerInvariant();

    // ---- files: Vectors/<group>.jsonl.gz ----

    public static void WriteFile(string path, IEnumerable<Vector> vectors)
    {
        using var fs = File.Create(path);
        using var gz = new GZipStream(fs, CompressionLevel.SmallestSize);
        using var w = new StreamWriter(gz, new UTF8Encoding(false)) { NewLine = "\n" };
        foreach (var v in vectors) w.WriteLine(v.ToJson());
    }

    public static IEnumerable<Vector> ReadFile(string path)
    {
        using var fs = File.OpenRead(path);
        using var gz = new GZipStream(fs, CompressionMode.Decompress);
        using var r = new StreamReader(gz, Encoding.UTF8);
        while (r.ReadLine() is { } line)
            if (line.Length > 0) yield return FromJson(line);
    }
}
