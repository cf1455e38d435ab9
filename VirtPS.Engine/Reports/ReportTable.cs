namespace VirtPS.Engine.Reports;

/// <summary>One table of a report: a caption, column headers and rows of already formatted cells.</summary>
public sealed record ReportTable(string Caption, IReadOnlyList<string> Columns, IReadOnlyList<IReadOnlyList<string>> Rows);
