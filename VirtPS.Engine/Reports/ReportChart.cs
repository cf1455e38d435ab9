namespace VirtPS.Engine.Reports;

/// <summary>One chart of a report: its title and its SVG (a complete, well-formed <c>&lt;svg&gt;</c> element).</summary>
public sealed record ReportChart(string Title, string Svg);
