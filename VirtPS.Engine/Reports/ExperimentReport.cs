using System.Globalization;
using System.Text;
using VirtPS.Engine.Guests;
using VirtPS.Engine.Memory;
using VirtPS.Engine.Network;

namespace VirtPS.Engine.Reports;

/// <summary>
/// A report of what the measuring cmdlets wrote: style comparisons, IO-mode comparisons, measurements, reachability cells
/// and address translations, in any mix and order. <see cref="Add"/> takes them as they come; <see cref="Sections"/>
/// groups them (comparisons by workload and cost model, cells by matrix) into tables and charts; <see cref="ToHtml"/>
/// writes one self-contained page (inline CSS and SVG, no script, nothing fetched) and <see cref="ToSvg"/> the charts alone.
/// </summary>
public sealed class ExperimentReport
{
    readonly List<StyleComparisonRow> _styles = [];
    readonly List<IoModeComparisonRow> _io = [];
    readonly List<GuestMeasurement> _measurements = [];
    readonly List<ReachabilityCell> _cells = [];
    readonly List<AddressTranslation> _translations = [];

    public ExperimentReport(string title) => Title = title;

    public string Title { get; }

    /// <summary>Objects taken so far.</summary>
    public int Count => _styles.Count + _io.Count + _measurements.Count + _cells.Count + _translations.Count;

    /// <summary>The kinds of object a report takes, by the cmdlet that writes them.</summary>
    public static IReadOnlyList<string> Accepted { get; } =
        ["StyleComparisonRow (Compare-VStyle)", "IoModeComparisonRow (Compare-VIoMode)", "GuestMeasurement (Measure-VGuest)",
         "ReachabilityCell (Get-VReachability)", "AddressTranslation (Get-VTranslation)"];

    /// <summary>Takes one object; a kind the report does not draw is refused with <see cref="ErrorIds.ReportInputNotSupported"/>.</summary>
    public void Add(object item)
    {
        switch (item)
        {
            case StyleComparisonRow r: _styles.Add(r); break;
            case IoModeComparisonRow r: _io.Add(r); break;
            case GuestMeasurement m: _measurements.Add(m); break;
            case ReachabilityCell c: _cells.Add(c); break;
            case AddressTranslation t: _translations.Add(t); break;
            default:
                throw new VirtPSException(ErrorIds.ReportInputNotSupported, ErrorKind.InvalidArgument,
                    $"A report draws {string.Join(", ", Accepted)}; a {item.GetType().Name} is not one of them.", item);
        }
    }

    /// <summary>One part of the report: a heading, its charts and its tables.</summary>
    public sealed record Section(string Heading, IReadOnlyList<ReportChart> Charts, IReadOnlyList<ReportTable> Tables);

    public IReadOnlyList<Section> Sections()
    {
        var sections = new List<Section>();
        foreach (var g in _styles.GroupBy(r => (r.Workload, r.CostModel)))
        {
            var rows = g.ToList();
            var bars = rows.Select(r => new Charts.BarItem(r.Setup, r.CyclesPerIteration,
                r.RatioToNative > 0 ? $"{r.RatioToNative.ToString("0.00", CultureInfo.InvariantCulture)}× native" : "", r.Style == VirtualizationStyle.Native)).ToList();
            sections.Add(new Section($"{g.Key.Workload}: cycles per iteration by style ({g.Key.CostModel})",
                [Charts.Bars($"{g.Key.Workload}: cycles per iteration by style", $"cycles per iteration ({g.Key.CostModel})", bars)],
                [new ReportTable($"Compare-VStyle {g.Key.Workload}", ["Style", "Iterations", "Instructions", "Cycles/iteration", "× Native", "Exits", "Traps", "Callouts", "Hypercalls"],
                    rows.Select(r => (IReadOnlyList<string>)[r.Setup, N(r.Iterations), N(r.Instructions), Charts.Format(r.CyclesPerIteration), Ratio(r.RatioToNative), N(r.Exits), N(r.Traps), N(r.Callouts), N(r.Hypercalls)]).ToList())]));
        }
        foreach (var g in _io.GroupBy(r => r.Workload))
        {
            var rows = g.ToList();
            var bars = rows.Select(r => new Charts.BarItem($"{r.Mode} ({r.Style}, {r.IoModel})", r.CyclesPerKiB,
                r.RatioToPassthrough > 0 ? $"{r.RatioToPassthrough.ToString("0.00", CultureInfo.InvariantCulture)}× passthrough" : "", r.Mode == Io.IoMode.Passthrough)).ToList();
            sections.Add(new Section($"{g.Key}: cycles per KiB by IO mode",
                [Charts.Bars($"{g.Key}: cycles per KiB by IO mode", "cycles per KiB", bars)],
                [new ReportTable($"Compare-VIoMode {g.Key}", ["Mode", "Style", "Driver model", "Requests", "Bytes", "Exits/request", "Notifications/request", "Interrupts/request", "Cycles/KiB", "× Passthrough"],
                    rows.Select(r => (IReadOnlyList<string>)[r.Mode.ToString(), r.Style.ToString(), r.IoModel.ToString(), N(r.Requests), N(r.Bytes), F(r.ExitsPerRequest), F(r.NotificationsPerRequest), F(r.InterruptsPerRequest), Charts.Format(r.CyclesPerKiB), Ratio(r.RatioToPassthrough)]).ToList())]));
        }
        if (_measurements.Count > 0)
        {
            var bars = _measurements.Select(m => new Charts.BarItem($"{m.Name} ({m.Style})", m.Cycles)).ToList();
            sections.Add(new Section("Measurements",
                [Charts.Bars("Simulated cycles by guest", "cycles", bars)],
                [new ReportTable("Measure-VGuest", ["Guest", "Style", "Instructions", "Cycles", "CPI", "Exits", "Traps", "Callouts", "Hypercalls", "TLB misses", "Resident KiB"],
                    _measurements.Select(m => (IReadOnlyList<string>)[m.Name, m.Style.ToString(), N(m.Instructions), N(m.Cycles), F(m.Cpi), N(m.Exits), N(m.Traps), N(m.Callouts), N(m.Hypercalls), N(m.TlbMisses), N(m.ResidentBytes / 1024)]).ToList())]));
        }
        if (_cells.Count > 0)
        {
            var from = _cells.Select(c => c.From).Distinct().ToList();
            var to = _cells.Select(c => c.To).Distinct().ToList();
            var lookup = _cells.GroupBy(c => (c.From, c.To)).ToDictionary(x => x.Key, x => x.Last());
            sections.Add(new Section("Reachability",
                [Charts.SuccessGrid("Reachability: who gets an answer from whom", from, to,
                    (f, t) => lookup.TryGetValue((f, t), out var c) ? (c.Success, Short(c.Status)) : null)],
                [new ReportTable("Get-VReachability", ["From", "To", "Address", "Reached", "Status", "Reply from"],
                    _cells.Select(c => (IReadOnlyList<string>)[c.From, c.To, c.TargetAddress?.ToString() ?? "", c.Success ? "yes" : "no", c.Status.ToString(), c.ReplySource?.ToString() ?? ""]).ToList())]));
        }
        if (_translations.Count > 0)
        {
            var charts = _translations.Where(t => t.Walk.Count > 0).Select(t => t.Walk.Any(w => w.Dimension == WalkDimension.Nested)
                ? Charts.NestedWalk($"{t.Guest} 0x{t.Address:X}: the two-dimensional walk", t.Walk)
                : Charts.FlatWalk($"{t.Guest} 0x{t.Address:X}: {t.Paging} walk", t.Walk)).ToList();
            sections.Add(new Section("Address translations", charts,
                [new ReportTable("Get-VTranslation", ["Guest", "Address", "Paging", "References", "GPA", "HPA", "Page size", "TLB", "Cycles"],
                    _translations.Select(t => (IReadOnlyList<string>)[t.Guest, $"0x{t.Address:X}", t.Paging.ToString(), N(t.References), $"0x{t.Gpa:X}", $"0x{t.Hpa:X}", N((long)t.PageSize), t.TlbHit ? t.TlbLevel : "miss", Charts.Format(t.Cycles)]).ToList())]));
        }
        return sections;
    }

    /// <summary>Every chart of the report, in order.</summary>
    public IReadOnlyList<ReportChart> AllCharts() => Sections().SelectMany(s => s.Charts).ToList();

    /// <summary>One self-contained HTML page: the sections' charts (inline SVG, one per chart) and tables.</summary>
    public string ToHtml()
    {
        var h = new StringBuilder();
        h.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"/><title>").Append(Svg.Escape(Title)).Append("</title>\n<style>")
         .Append("body{font-family:'DejaVu Sans',Arial,sans-serif;margin:24px;color:#222;background:#fff}h1{font-size:22px}h2{font-size:17px;margin-top:32px;border-bottom:1px solid #ddd}")
         .Append("table{border-collapse:collapse;margin:12px 0;font-size:13px}th,td{border:1px solid #ccc;padding:3px 8px;text-align:right}th{background:#f2f5f9}td:first-child,th:first-child{text-align:left}")
         .Append("figure{margin:12px 0}caption{caption-side:top;text-align:left;font-weight:bold;padding:4px 0}.meta{color:#777;font-size:12px}")
         .Append("</style></head><body>\n<h1>").Append(Svg.Escape(Title)).Append("</h1>\n<p class=\"meta\">VirtPS report: ").Append(Count.ToString(CultureInfo.InvariantCulture))
         .Append(" objects; simulated cycles are counted events times the cost model's prices.</p>\n");
        foreach (var s in Sections())
        {
            h.Append("<section><h2>").Append(Svg.Escape(s.Heading)).Append("</h2>\n");
            foreach (var c in s.Charts) h.Append("<figure>").Append(c.Svg).Append("</figure>\n");
            foreach (var t in s.Tables)
            {
                h.Append("<table><caption>").Append(Svg.Escape(t.Caption)).Append("</caption><thead><tr>");
                foreach (var col in t.Columns) h.Append("<th>").Append(Svg.Escape(col)).Append("</th>");
                h.Append("</tr></thead><tbody>");
                foreach (var row in t.Rows)
                {
                    h.Append("<tr>");
                    foreach (var cell in row) h.Append("<td>").Append(Svg.Escape(cell)).Append("</td>");
                    h.Append("</tr>");
                }
                h.Append("</tbody></table>\n");
            }
            h.Append("</section>\n");
        }
        return h.Append("</body></html>\n").ToString();
    }

    /// <summary>The charts alone, stacked in one SVG document (each chart a nested <c>&lt;svg&gt;</c>).</summary>
    public string ToSvg()
    {
        var charts = AllCharts();
        var inner = new StringBuilder();
        double y = 0, width = 0;
        foreach (var c in charts)
        {
            var (w, h) = Size(c.Svg);
            inner.Append(c.Svg.Replace("<svg ", $"<svg y=\"{y.ToString(CultureInfo.InvariantCulture)}\" ", StringComparison.Ordinal));
            y += h + 16; width = Math.Max(width, w);
        }
        string W = width.ToString(CultureInfo.InvariantCulture), H = Math.Max(0, y - 16).ToString(CultureInfo.InvariantCulture);
        return $"<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"{W}\" height=\"{H}\" viewBox=\"0 0 {W} {H}\"><title>{Svg.Escape(Title)}</title>{inner}</svg>\n";
    }

    static (double W, double H) Size(string svg)
    {
        double Attr(string name)
        {
            int i = svg.IndexOf($" {name}=\"", StringComparison.Ordinal) + name.Length + 3;
            return double.Parse(svg[i..svg.IndexOf('"', i)], CultureInfo.InvariantCulture);
        }
        return (Attr("width"), Attr("height"));
    }

    /// <summary>A probe's outcome in a word that fits a grid cell.</summary>
    static string Short(Network.Stack.ProbeStatus s) => s switch
    {
        Network.Stack.ProbeStatus.Reply => "reply",
        Network.Stack.ProbeStatus.DestinationUnreachable => "unreachable",
        Network.Stack.ProbeStatus.TimeExceeded => "TTL exceeded",
        Network.Stack.ProbeStatus.NoRoute => "no route",
        _ => s.ToString().ToLowerInvariant(),
    };

    static string N(long v) => v.ToString("N0", CultureInfo.InvariantCulture);
    static string F(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);
    static string Ratio(double v) => v > 0 ? v.ToString("0.00", CultureInfo.InvariantCulture) : "";
}
