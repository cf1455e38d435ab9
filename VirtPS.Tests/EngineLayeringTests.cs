using System.Text.RegularExpressions;
using Xunit;

namespace VirtPS.Tests;

/// <summary>
/// The engine's folders depend on each other in one direction only (Common, Costs, Asm, Io, Network, Memory below Trace,
/// below Cpu, below Library (the PE loader and translation layer: Asm and Costs only), below Styles and Kvm, below Guests, below Labs, Reports and Checkpoints; Jvm, the process VM, sits over Asm and below Styles), and every file is named for the one type it holds: read from the source.
/// </summary>
public partial class EngineLayeringTests
{
    static readonly string Engine = Path.Combine(FindRoot(), "VirtPS.Engine");

    static string FindRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d != null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "VirtPS.sln"))) return d.FullName;
        throw new InvalidOperationException("VirtPS.sln not found above " + AppContext.BaseDirectory);
    }

    static IEnumerable<string> Sources(string dir) =>
        Directory.EnumerateFiles(dir, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}") && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}"));

    [GeneratedRegex(@"(?:using VirtPS\.Engine\.|\b)(Asm|Checkpoints|Costs|Cpu|Guests|Io|Jvm|Kvm|Labs|Library|Memory|Network|Reports|Styles|Trace)\.[A-Z]")]
    private static partial Regex FolderReference();

    [Fact]
    public void EngineFoldersHaveNoCycles()
    {
        var folders = Directory.GetDirectories(Engine).Select(Path.GetFileName).Where(n => n is not ("obj" or "bin")).ToHashSet()!;
        var edges = new Dictionary<string, HashSet<string>>();
        foreach (var file in Sources(Engine))
        {
            string folder = Path.GetRelativePath(Engine, file).Split(Path.DirectorySeparatorChar)[0];
            if (!folders.Contains(folder)) continue;
            var text = Regex.Replace(File.ReadAllText(file), @"^\s*///.*$", "", RegexOptions.Multiline);   // crefs in doc comments do not count
            foreach (Match m in FolderReference().Matches(text))
                if (m.Groups[1].Value != folder && folders.Contains(m.Groups[1].Value))
                    (edges.TryGetValue(folder, out var s) ? s : edges[folder] = []).Add(m.Groups[1].Value);
        }
        // Depth-first search for a cycle, reported as its path.
        var state = new Dictionary<string, int>();
        var path = new List<string>();
        string? Visit(string f)
        {
            state[f] = 1; path.Add(f);
            foreach (var t in edges.GetValueOrDefault(f) ?? [])
            {
                if (state.GetValueOrDefault(t) == 1) return string.Join(" -> ", path.SkipWhile(p => p != t).Append(t));
                if (state.GetValueOrDefault(t) == 0 && Visit(t) is { } c) return c;
            }
            state[f] = 2; path.RemoveAt(path.Count - 1);
            return null;
        }
        foreach (var f in folders)
            if (state.GetValueOrDefault(f) == 0 && Visit(f) is { } cycle) Assert.Fail("engine folders depend on each other in a cycle: " + cycle);
        Assert.Contains("Memory", edges["Cpu"]);   // the test sees references at all
    }

    [GeneratedRegex(@"^(?:public |internal |file )?(?:(?:sealed|static|abstract|readonly|unsafe|partial|ref) )*(?:class|struct|enum|interface|record struct|record|delegate [\w<>\[\], ?*]+) (\w+)", RegexOptions.Multiline)]
    private static partial Regex TopLevelType();

    [Theory]
    [InlineData("VirtPS.Engine")]
    [InlineData("VirtPS")]
    public void EveryFileIsNamedForTheTypeItHolds(string project)
    {
        var wrong = new List<string>();
        foreach (var file in Sources(Path.Combine(FindRoot(), project)))
        {
            string own = Path.GetFileNameWithoutExtension(file).Split('.')[0];
            foreach (Match m in TopLevelType().Matches(File.ReadAllText(file)))
                if (m.Groups[1].Value != own) wrong.Add($"{Path.GetRelativePath(FindRoot(), file)}: {m.Groups[1].Value}");
        }
        Assert.True(wrong.Count == 0, "files holding a type not named for them:\n" + string.Join("\n", wrong));
    }
}
