using System.Text.RegularExpressions;
using System.Xml.Linq;
using VirtPS.Tests.Hosting;
using Xunit;

namespace VirtPS.Tests.Reports;

/// <summary>Export-VReport end to end: the measuring cmdlets' objects in, a page a real browser renders out.</summary>
public partial class ReportTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("virtps-report-").FullName;
    public void Dispose() { try { Directory.Delete(_dir, true); } catch (IOException) { } }

    // A style comparison (one chart), a measurement (one), a reachability matrix (one) and a cold nested walk (one).
    const string Experiment = """
        $rows = Compare-VStyle -Workload syscall -Style BinaryTranslation, HardwareAssisted -Iterations 200
        $g = New-VGuest -Name walk -Workload compute -Iterations 1000 -Style HardwareAssisted -Paging Nested
        $null = $g | Invoke-VStep
        Clear-VTlb -Guest walk
        $t = Get-VTranslation -Guest walk -Address 0x40000000
        $null = New-VNetwork -Name lab -Mode Isolated
        'web', 'db' | New-VGuest | Connect-VNetworkAdapter -Network lab
        $cells = Get-VReachability -Network lab
        """;

    static IReadOnlyList<string> SvgElements(string html) => SvgElement().Matches(html).Select(m => m.Value).ToList();

    [GeneratedRegex(@"<svg\b.*?</svg>", RegexOptions.Singleline)]
    private static partial Regex SvgElement();

    string Export(InProcessShell shell, string pipeline, string file)
    {
        string path = Path.Combine(_dir, file);
        var (_, errors) = shell.Run($"{pipeline} | Export-VReport -Path '{path}' -Title 'VirtPS test report'");
        Assert.Empty(errors);
        return path;
    }

    [Fact]
    public void The_page_has_one_well_formed_svg_per_chart_and_the_nested_walk_as_24_numbered_cells()
    {
        using var shell = new InProcessShell();
        Assert.Empty(shell.Run(Experiment).Errors);
        // The SDM's two-dimensional walk with cold caches: 4 EPT references before each of 4 guest entries, 4 for the data.
        Assert.Equal(24, Convert.ToInt32(shell.Run("$t.References").Output.Single().BaseObject));
        string html = File.ReadAllText(Export(shell, "@($rows) + @(Measure-VGuest -Guest walk) + @($cells) + @($t)", "all.html"));

        var svgs = SvgElements(html);
        Assert.Equal(4, svgs.Count);
        foreach (var svg in svgs) Assert.Equal("svg", XDocument.Parse(svg).Root!.Name.LocalName);
        var walk = XDocument.Parse(svgs.Single(s => s.Contains("two-dimensional walk")));
        var numbers = walk.Descendants().Where(e => e.Name.LocalName == "text").Select(e => e.Value).Where(v => Regex.IsMatch(v, @"^\d+$")).Select(int.Parse).ToList();
        Assert.Equal(Enumerable.Range(1, 24), numbers.Order());
        // Every style compared has its bar, labelled with its measured cycles per iteration.
        var styles = XDocument.Parse(svgs.Single(s => s.Contains("cycles per iteration by style")));
        var titles = styles.Descendants().Where(e => e.Name.LocalName == "rect").Select(r => r.Elements().FirstOrDefault(c => c.Name.LocalName == "title")?.Value).OfType<string>().ToList();
        var perIteration = shell.Run("$rows | ForEach-Object { '{0}: {1:N0}' -f $_.Setup, $_.CyclesPerIteration }").Output.Select(o => o.ToString()).ToList();
        Assert.Equal(3, perIteration.Count);
        foreach (var bar in perIteration) Assert.Contains(titles, t => t.StartsWith(bar.Split('.')[0], StringComparison.Ordinal));
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotMatch(@"(src|href)\s*=\s*""(https?:)?//", html);   // nothing fetched: it opens offline
    }

    [ChromiumFact]
    public void Chromium_renders_the_report_with_its_charts()
    {
        using var shell = new InProcessShell();
        Assert.Empty(shell.Run(Experiment).Errors);
        string page = Export(shell, "@($rows) + @($cells) + @($t)", "render.html");
        var png = PngImage.Decode(Chromium.Screenshot(page, 1000, 1400));
        Assert.Equal((1000, 1400), (png.Width, png.Height));
        long ink = 0;
        var colours = new HashSet<(byte, byte, byte)>();
        bool barBlue = false, eptOrange = false, replyGreen = false;
        for (int y = 0; y < png.Height; y += 2)
            for (int x = 0; x < png.Width; x += 2)
            {
                var p = png.Pixel(x, y);
                if (p != (255, 255, 255)) ink++;
                colours.Add(p);
                barBlue |= Near(p, (0x63, 0xa4, 0xd8)) || Near(p, (0x2b, 0x6c, 0xb0));
                eptOrange |= Near(p, (0xdd, 0x6b, 0x20));
                replyGreen |= Near(p, (0x38, 0xa1, 0x69));
            }
        Assert.True(ink > png.Width * png.Height / 4 / 50, $"only {ink} non-white sampled pixels: the page looks blank");
        Assert.True(colours.Count > 20, $"{colours.Count} colours");
        // The charts themselves were drawn: the bars, the nested walk's EPT cells and the matrix's reply cells.
        Assert.True(barBlue && eptOrange && replyGreen, $"bars {barBlue}, EPT cells {eptOrange}, reply cells {replyGreen}");
    }

    static bool Near((byte R, byte G, byte B) p, (int R, int G, int B) q) =>
        Math.Abs(p.R - q.R) <= 6 && Math.Abs(p.G - q.G) <= 6 && Math.Abs(p.B - q.B) <= 6;

    [Fact]
    public void Svg_format_writes_the_charts_alone_as_one_xml_document()
    {
        using var shell = new InProcessShell();
        Assert.Empty(shell.Run(Experiment).Errors);
        string path = Path.Combine(_dir, "charts.svg");
        Assert.Empty(shell.Run($"@($rows) + @($t) | Export-VReport -Path '{path}' -Format Svg").Errors);
        var doc = XDocument.Load(path);
        XNamespace svg = "http://www.w3.org/2000/svg";
        Assert.Equal(svg + "svg", doc.Root!.Name);
        Assert.Equal(2, doc.Root.Elements(svg + "svg").Count());
        Assert.DoesNotContain("<table", File.ReadAllText(path));
    }

    [Fact]
    public void Bad_input_is_refused_by_id_and_nothing_is_written_when_nothing_is_reportable()
    {
        using var shell = new InProcessShell();
        string path = Path.Combine(_dir, "none.html");
        var (_, errors) = shell.Run($"'just text', 42 | Export-VReport -Path '{path}'");
        Assert.Equal([ErrorIds.ReportInputNotSupported, ErrorIds.ReportInputNotSupported, ErrorIds.ReportEmpty],
            errors.Select(e => e.FullyQualifiedErrorId.Split(',')[0]));
        Assert.False(File.Exists(path));

        string missing = Path.Combine(_dir, "no-such-folder", "r.html");
        errors = shell.Run($"Compare-VStyle -Workload syscall -Style Paravirtual -Iterations 50 | Export-VReport -Path '{missing}'").Errors;
        Assert.Equal(ErrorIds.ReportPathNotFound, errors.Single().FullyQualifiedErrorId.Split(',')[0]);
        Assert.False(Directory.Exists(Path.GetDirectoryName(missing)));

        // A stray object among good ones is reported and left out; the rest is written.
        string mixed = Path.Combine(_dir, "mixed.html");
        errors = shell.Run($"@(Compare-VStyle -Workload syscall -Style Paravirtual -Iterations 50) + @('stray') | Export-VReport -Path '{mixed}'").Errors;
        Assert.Equal(ErrorIds.ReportInputNotSupported, errors.Single().FullyQualifiedErrorId.Split(',')[0]);
        Assert.Single(SvgElements(File.ReadAllText(mixed)));
    }
}
