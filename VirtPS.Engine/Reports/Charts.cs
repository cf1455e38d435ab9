using System.Globalization;
using VirtPS.Engine.Memory;

namespace VirtPS.Engine.Reports;

/// <summary>The report's chart kinds, each drawn from measured rows only: horizontal bars, a success grid, and the
/// two-dimensional page walk.</summary>
public static class Charts
{
    const string Ink = "#222", Faint = "#999", Grid = "#ddd";
    const string Highlight = "#2b6cb0", Bar = "#63a4d8", Good = "#38a169", Bad = "#e53e3e", GuestRef = "#3182ce", NestedRef = "#dd6b20";

    /// <summary>A bar of one value, with its label on the left and its value and note on the right.</summary>
    public sealed record BarItem(string Label, double Value, string Note = "", bool Emphasis = false);

    /// <summary>Horizontal bars on one linear scale from zero, one per item, in the order given.</summary>
    public static ReportChart Bars(string title, string unit, IReadOnlyList<BarItem> items)
    {
        const double left = 170, barArea = 380, right = 190, row = 26, top = 40;
        double height = top + items.Count * row + 36;
        var svg = new Svg(left + barArea + right, height, title);
        svg.Text(10, 22, title, size: 14, bold: true);
        double max = items.Count == 0 ? 1 : Math.Max(items.Max(i => i.Value), 1e-9);
        double step = NiceStep(max / 4);
        for (double t = 0; t <= max * 1.0001; t += step)
        {
            double x = left + t / max * barArea;
            svg.Line(x, top - 4, x, top + items.Count * row, Grid);
            svg.Text(x, top + items.Count * row + 14, Format(t), "middle", 10, Faint);
        }
        svg.Text(left + barArea / 2, height - 6, unit, "middle", 11, Faint);
        for (int i = 0; i < items.Count; i++)
        {
            var it = items[i];
            double y = top + i * row;
            svg.Text(left - 8, y + 17, it.Label, "end", 12, Ink, it.Emphasis);
            svg.Rect(left, y + 5, it.Value / max * barArea, row - 10, it.Emphasis ? Highlight : Bar, $"{it.Label}: {Format(it.Value)} {unit}");
            svg.Text(left + it.Value / max * barArea + 6, y + 17, Format(it.Value) + (it.Note == "" ? "" : "  " + it.Note), size: 11);
        }
        svg.Line(left, top - 4, left, top + items.Count * row, Ink);
        return new ReportChart(title, svg.ToString());
    }

    /// <summary>A matrix of yes/no cells: rows are senders, columns targets; each cell says what the probe met.</summary>
    public static ReportChart SuccessGrid(string title, IReadOnlyList<string> rows, IReadOnlyList<string> columns,
        Func<string, string, (bool Ok, string Label)?> cell)
    {
        const double cellW = 92, cellH = 30, top = 76;
        double left = 30 + 7.5 * Math.Max(4, rows.Max(r => r.Length));
        var svg = new Svg(left + columns.Count * cellW + 20, top + rows.Count * cellH + 20, title);
        svg.Text(10, 22, title, size: 14, bold: true);
        svg.Text(left, 44, "to →", size: 11, fill: Faint);
        for (int c = 0; c < columns.Count; c++) svg.Text(left + c * cellW + cellW / 2, top - 8, columns[c], "middle", 11, Ink, true);
        for (int r = 0; r < rows.Count; r++)
        {
            double y = top + r * cellH;
            svg.Text(left - 8, y + cellH / 2 + 4, rows[r], "end", 11, Ink, true);
            for (int c = 0; c < columns.Count; c++)
            {
                double x = left + c * cellW;
                var v = cell(rows[r], columns[c]);
                string fill = v is null ? "#f3f3f3" : v.Value.Ok ? Good : Bad;
                svg.Rect(x + 1, y + 1, cellW - 2, cellH - 2, fill, $"{rows[r]} → {columns[c]}: {v?.Label ?? "not probed"}");
                svg.Text(x + cellW / 2, y + cellH / 2 + 4, v?.Label ?? "", "middle", 10, v is null ? Faint : "#fff");
            }
        }
        return new ReportChart(title, svg.ToString());
    }

    static readonly string[] GuestLevels = ["gPML4", "gPDPT", "gPD", "gPT", "data"];
    static readonly string[] NestedLevels = ["EPT PML4", "EPT PDPT", "EPT PD", "EPT PT"];

    /// <summary>
    /// The two-dimensional walk of nested paging as the 5×5 picture of Bhargava et al. (ASPLOS 2008, Figure 3): row i is
    /// the guest-physical address being translated (the guest's PML4, PDPT, PD and PT tables, then the data), columns 1–4
    /// the EPT references that translate it, column 5 the read of the guest's own entry. Each reference the walk made is
    /// numbered in order; a cell it did not need (a walk cache or the nested TLB had it) is grey. 4 × 5 + 4 = 24 at most.
    /// </summary>
    public static ReportChart NestedWalk(string title, IReadOnlyList<WalkReference> walk)
    {
        var cells = new Dictionary<(int Row, int Col), int>();
        var pending = new List<(WalkReference Ref, int Order)>();
        for (int i = 0; i < walk.Count; i++)
        {
            var r = walk[i];
            if (r.Dimension == WalkDimension.Guest)
            {
                int row = Math.Clamp(4 - r.Level, 0, 3);
                foreach (var (p, order) in pending) cells[(row, Math.Clamp(4 - p.Level, 0, 3))] = order;
                pending.Clear();
                cells[(row, 4)] = i + 1;
            }
            else pending.Add((r, i + 1));
        }
        foreach (var (p, order) in pending) cells[(4, Math.Clamp(4 - p.Level, 0, 3))] = order;

        const double cellW = 78, cellH = 34, left = 70, top = 70;
        var svg = new Svg(left + 5 * cellW + 20, top + 5 * cellH + 46, title);
        svg.Text(10, 22, title, size: 14, bold: true);
        svg.Text(10, 40, $"{walk.Count} memory references (24 with cold caches)", size: 11, fill: Faint);
        for (int c = 0; c < 5; c++) svg.Text(left + c * cellW + cellW / 2, top - 8, c < 4 ? NestedLevels[c] : "guest entry", "middle", 10, Ink, true);
        for (int r = 0; r < 5; r++)
        {
            double y = top + r * cellH;
            svg.Text(left - 8, y + cellH / 2 + 4, GuestLevels[r], "end", 11, Ink, true);
            for (int c = 0; c < 5; c++)
            {
                double x = left + c * cellW;
                if (r == 4 && c == 4)
                {
                    svg.Rect(x + 1, y + 1, cellW - 2, cellH - 2, "#ffffff", "the data access itself", "#bbb");
                    svg.Text(x + cellW / 2, y + cellH / 2 + 4, "access", "middle", 10, Faint);
                    continue;
                }
                bool made = cells.TryGetValue((r, c), out int order);
                string fill = !made ? "#eeeeee" : c == 4 ? GuestRef : NestedRef;
                string tip = made ? $"reference {order}: {(c == 4 ? "guest " + GuestLevels[r] : NestedLevels[c] + " for " + GuestLevels[r])}" : "not needed: cached";
                svg.Rect(x + 1, y + 1, cellW - 2, cellH - 2, fill, tip);
                if (made) svg.Text(x + cellW / 2, y + cellH / 2 + 4, order.ToString(CultureInfo.InvariantCulture), "middle", 12, "#fff", true);
            }
        }
        double ly = top + 5 * cellH + 24;
        svg.Rect(left, ly - 10, 12, 12, NestedRef).Text(left + 18, ly, "EPT (host) table", size: 11);
        svg.Rect(left + 150, ly - 10, 12, 12, GuestRef).Text(left + 168, ly, "guest table", size: 11);
        svg.Rect(left + 270, ly - 10, 12, 12, "#eeeeee").Text(left + 288, ly, "cached", size: 11);
        return new ReportChart(title, svg.ToString());
    }

    /// <summary>A one-dimensional walk (native, shadow, direct, software): its references in a row.</summary>
    public static ReportChart FlatWalk(string title, IReadOnlyList<WalkReference> walk)
    {
        const double cellW = 92, cellH = 34, left = 20, top = 56;
        var svg = new Svg(left + Math.Max(4, walk.Count) * cellW + 20, top + cellH + 20, title);
        svg.Text(10, 22, title, size: 14, bold: true);
        svg.Text(10, 40, $"{walk.Count} memory references", size: 11, fill: Faint);
        for (int i = 0; i < walk.Count; i++)
        {
            var r = walk[i];
            string name = r.Level switch { 4 => "PML4", 3 => "PDPT", 2 => "PD", 1 => "PT", _ => "L" + r.Level };
            svg.Rect(left + i * cellW + 1, top, cellW - 2, cellH, r.Dimension == WalkDimension.Shadow ? NestedRef : GuestRef, $"reference {i + 1}: {r.Dimension} {name}");
            svg.Text(left + i * cellW + cellW / 2, top + cellH / 2 + 4, $"{i + 1}. {name}", "middle", 11, "#fff", true);
        }
        return new ReportChart(title, svg.ToString());
    }

    internal static string Format(double v) =>
        v == Math.Floor(v) && Math.Abs(v) < 1e15 ? v.ToString("N0", CultureInfo.InvariantCulture)
        : Math.Abs(v) >= 100 ? v.ToString("N0", CultureInfo.InvariantCulture) : v.ToString("0.##", CultureInfo.InvariantCulture);

    /// <summary>1, 2 or 5 times a power of ten, at least <paramref name="raw"/>: axis ticks a reader can add up.</summary>
    static double NiceStep(double raw)
    {
        if (raw <= 0) return 1;
        double p = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        foreach (var m in new[] { 1.0, 2, 5, 10 }) if (m * p >= raw) return m * p;
        return 10 * p;
    }
}
