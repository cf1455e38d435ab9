using System.Diagnostics;
using System.Text;
using Xunit;
using Xunit.Abstractions;

namespace VirtPS.Tests.Differential;

/// <summary>A fact that runs only where code can run natively (x86-64 Linux).</summary>
public sealed class NativeFactAttribute : FactAttribute
{
    public NativeFactAttribute() { if (!NativeCpu.IsSupported) Skip = NativeCpu.WhyNot; }
}

/// <summary>A theory that runs only where code can run natively (x86-64 Linux).</summary>
public sealed class NativeTheoryAttribute : TheoryAttribute
{
    public NativeTheoryAttribute() { if (!NativeCpu.IsSupported) Skip = NativeCpu.WhyNot; }
}

/// <summary>Runs only with VIRTPS_RECORD_VECTORS=1 (and native execution): rewrites the committed vectors.</summary>
public sealed class RecordFactAttribute : FactAttribute
{
    public RecordFactAttribute()
    {
        if (Environment.GetEnvironmentVariable("VIRTPS_RECORD_VECTORS") != "1")
            Skip = "set VIRTPS_RECORD_VECTORS=1 to re-record VirtPS.Tests/Vectors from the host CPU";
        else if (!NativeCpu.IsSupported) Skip = NativeCpu.WhyNot;
    }
}

/// <summary>
/// Differential tests of the engine's CPU core against the host CPU. The committed vectors
/// (<c>Vectors/*.jsonl.gz</c>, recorded on an x86-64 host) run on the engine everywhere, one theory
/// case per instruction form; where native execution is possible the recording is re-checked
/// against the host and a fresh randomized batch runs natively and on the engine side by side.
/// </summary>
public class DifferentialTests(ITestOutputHelper output)
{
    static readonly Lazy<Dictionary<string, List<Vector>>> Recorded = new(LoadRecorded);

    static string VectorsDir => Path.Combine(AppContext.BaseDirectory, "Vectors");

    static Dictionary<string, List<Vector>> LoadRecorded()
    {
        var byForm = new Dictionary<string, List<Vector>>();
        if (!Directory.Exists(VectorsDir)) return byForm;
        foreach (var file in Directory.GetFiles(VectorsDir, "*.jsonl.gz").Order(StringComparer.Ordinal))
            foreach (var v in Vector.ReadFile(file))
            {
                if (!byForm.TryGetValue(v.Form, out var list)) byForm[v.Form] = list = [];
                list.Add(v);
            }
        return byForm;
    }

    public static IEnumerable<object[]> RecordedForms() =>
        Recorded.Value.Keys.Order(StringComparer.Ordinal).Select(k => new object[] { k });

    public static IEnumerable<object[]> Groups() =>
        Catalog.All.Select(f => f.Group).Distinct().Order(StringComparer.Ordinal).Select(g => new object[] { g });

    [Fact]
    public void Committed_vectors_are_present()
    {
        Assert.True(Recorded.Value.Count > 0, $"no vectors under {VectorsDir}: record them with VIRTPS_RECORD_VECTORS=1");
        int total = Recorded.Value.Values.Sum(l => l.Count);
        output.WriteLine($"{Recorded.Value.Count} forms, {total} vectors");
        var missing = Catalog.All.Select(f => f.Id).Where(id => !Recorded.Value.ContainsKey(id)).ToList();
        Assert.True(missing.Count == 0, "forms in the catalog without recorded vectors (re-record): " + string.Join(", ", missing.Take(20)));
    }

    /// <summary>
    /// Every single-instruction vector decodes (Iced) to exactly one instruction of the form's <c>Code</c>,
    /// so an encoding alias (XCHG EAX,EAX is NOP, 66-prefixed branches, ...) cannot masquerade as a form.
    /// </summary>
    [Fact]
    public void Vectors_decode_to_their_form()
    {
        var bad = new List<string>();
        foreach (var (form, vectors) in Recorded.Value)
        {
            string name = form.StartsWith("pagecross:", StringComparison.Ordinal) ? form["pagecross:".Length..] : form;
            if (name.StartsWith("lock ", StringComparison.Ordinal)) name = name[5..];
            string codeName = name.Split(':')[0];
            if (!Enum.TryParse<Iced.Intel.Code>(codeName, out var code)) continue;   // hand-built forms (rep ..., pair:, ...)
            foreach (var v in vectors.Where(v => !v.Sequence))
            {
                var ins = Iced.Intel.Decoder.Create(64, new Iced.Intel.ByteArrayCodeReader(v.Code), v.CodeStart).Decode();
                if (ins.Code != code || ins.Length != v.Code.Length) { bad.Add($"{form}: {v.Disassembly()} decodes as {ins.Code}"); break; }
            }
        }
        Assert.True(bad.Count == 0, string.Join("\n", bad));
    }

    /// <summary>The engine reproduces the host CPU on every recorded vector of one instruction form.</summary>
    [Theory]
    [MemberData(nameof(RecordedForms))]
    public void Engine_matches_recorded_host(string form)
    {
        var vectors = Recorded.Value[form];
        var failures = new StringBuilder();
        int failed = 0;
        for (int i = 0; i < vectors.Count; i++)
        {
            var v = vectors[i];
            var diffs = EngineRunner.Check(v, EngineRunner.Run(v));
            if (diffs.Count == 0) continue;
            if (++failed <= 6) failures.Append(EngineRunner.Report(v, i, diffs));
        }
        Assert.True(failed == 0, $"{form}: {failed} of {vectors.Count} vectors differ from the host CPU (AMD EPYC recording; only SDM-defined flags compared)\n{failures}");
    }

    /// <summary>
    /// The block translator reproduces the host CPU on the recorded vectors of one form (every eighth), as the
    /// interpreter does: each vector's block is compiled and run as translated code (faults included).
    /// </summary>
    [Theory]
    [MemberData(nameof(RecordedForms))]
    public void Translator_matches_recorded_host(string form)
    {
        var vectors = Recorded.Value[form];
        var failures = new StringBuilder();
        int failed = 0;
        long translated = 0;
        // Every vector costs a compiled method (a millisecond or more of JIT): every eighth one keeps the suite quick.
        int checkedCount = 0;
        for (int i = 0; i < vectors.Count; i += 8)
        {
            var v = vectors[i];
            checkedCount++;
            var o = EngineRunner.Run(v, translate: true, out var bt);
            translated += bt!.BlocksCompiled;
            Assert.True(bt.Failures == 0, bt.LastFailure);
            var diffs = EngineRunner.Check(v, o);
            if (diffs.Count == 0) continue;
            if (++failed <= 6) failures.Append(EngineRunner.Report(v, i, diffs));
        }
        Assert.True(failed == 0, $"{form}: {failed} of {checkedCount} vectors differ from the host CPU when translated\n{failures}");
        Assert.True(translated >= checkedCount, $"{form}: only {translated} blocks compiled for {checkedCount} vectors");
    }

    /// <summary>The recording still matches the host CPU (a sample re-run natively): it cannot silently drift.</summary>
    [NativeFact]
    public void Recording_matches_this_host()
    {
        var failures = new StringBuilder();
        int failed = 0, checkedCount = 0, n = 0;
        foreach (var (form, vectors) in Recorded.Value.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            foreach (var v in vectors)
            {
                if (n++ % 5 != 0) continue;
                checkedCount++;
                var native = NativeCpu.Run(v.Code, v.Input, v.CodeOffset);
                var diffs = new List<string>();
                EngineRunner.Compare(v, v.Output!, native, diffs);
                if (diffs.Count > 0 && ++failed <= 10) failures.Append($"[{form}]\n").Append(EngineRunner.Report(v, 0, diffs));
            }
        output.WriteLine($"re-ran {checkedCount} recorded vectors natively");
        Assert.True(failed == 0, $"{failed} of {checkedCount} recorded vectors no longer match this host (expected = recording, got = host now)\n{failures}");
    }

    /// <summary>A randomized batch beyond the recorded vectors, native vs engine. The seed is fixed so runs are
    /// reproducible; set VIRTPS_DIFF_SEED (hex) to explore other operands.</summary>
    [NativeTheory]
    [MemberData(nameof(Groups))]
    public void Engine_matches_host_on_fresh_batch(string group)
    {
        ulong seed = Environment.GetEnvironmentVariable("VIRTPS_DIFF_SEED") is { } s
            ? Convert.ToUInt64(s, 16) : 0x5EED_0F_D1FF_5EEDUL;
        output.WriteLine($"seed {seed:x} (reproduce with VIRTPS_DIFF_SEED={seed:x})");
        var failures = new StringBuilder();
        int failed = 0, total = 0;
        var failedForms = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var form in Catalog.All.Where(f => f.Group == group))
        {
            int i = 0;
            foreach (var v in form.Generate(seed, Math.Max(4, form.Count / 6)))
            {
                total++;
                v.Output = NativeCpu.Run(v.Code, v.Input, v.CodeOffset);
                var diffs = EngineRunner.Check(v, EngineRunner.Run(v));
                if (diffs.Count > 0)
                {
                    failedForms.Add(form.Id);
                    if (++failed <= 6) failures.Append($"[{form.Id}]\n").Append(EngineRunner.Report(v, i, diffs));
                }
                i++;
            }
        }
        Assert.True(failed == 0, $"group {group}, seed {seed:x} (VIRTPS_DIFF_SEED={seed:x}): {failed} of {total} fresh vectors differ; forms: {string.Join(", ", failedForms.Take(30))}\n{failures}");
    }

    /// <summary>Re-records <c>VirtPS.Tests/Vectors</c> from the host CPU (VIRTPS_RECORD_VECTORS=1).</summary>
    [RecordFact]
    public void Record_vectors()
    {
        var dir = Environment.GetEnvironmentVariable("VIRTPS_VECTORS_DIR") ?? FindSourceVectorsDir();
        Directory.CreateDirectory(dir);
        foreach (var old in Directory.GetFiles(dir, "*.jsonl.gz")) File.Delete(old);
        var sw = Stopwatch.StartNew();
        int total = 0;
        foreach (var group in Catalog.All.GroupBy(f => f.Group))
        {
            var vectors = group.SelectMany(f => f.Generate(Catalog.RecordSeed)).ToList();
            foreach (var v in vectors) v.Output = NativeCpu.Run(v.Code, v.Input, v.CodeOffset);
            Vector.WriteFile(Path.Combine(dir, group.Key + ".jsonl.gz"), vectors);
            total += vectors.Count;
            output.WriteLine($"{group.Key}: {group.Count()} forms, {vectors.Count} vectors");
        }
        output.WriteLine($"recorded {Catalog.All.Count} forms, {total} vectors into {dir} in {sw.Elapsed.TotalSeconds:F1} s");
    }

    static string FindSourceVectorsDir()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d != null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "VirtPS.Tests.csproj"))) return Path.Combine(d.FullName, "Vectors");
        throw new DirectoryNotFoundException("VirtPS.Tests.csproj not found above " + AppContext.BaseDirectory + "; set VIRTPS_VECTORS_DIR");
    }
}
