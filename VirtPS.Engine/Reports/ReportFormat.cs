namespace VirtPS.Engine.Reports;

/// <summary>What <see cref="ExperimentReport"/> writes: one self-contained HTML page (tables and charts), or the charts
/// alone as one SVG document.</summary>
public enum ReportFormat { Html, Svg }
