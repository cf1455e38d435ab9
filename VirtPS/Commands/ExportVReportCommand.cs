using System.Management.Automation;
using System.Text;
using VirtPS.Engine;
using VirtPS.Engine.Reports;

namespace VirtPS.Commands;

/// <summary>
/// Writes what the measuring cmdlets output — Compare-VStyle, Compare-VIoMode, Measure-VGuest, Get-VReachability,
/// Get-VTranslation — as one self-contained HTML report with tables and SVG charts (bars of cycles per iteration by style
/// with the ratio to Native, IO modes by cycles per KiB, the reachability matrix as a grid, each page walk as a picture:
/// the nested walk's 24 references as a 5×5 grid), or with -Format Svg the charts alone. The page needs no network to
/// open. Objects are collected from the pipeline; the file is written once, at the end.
/// </summary>
[Cmdlet(VerbsData.Export, "VReport", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(FileInfo))]
public sealed class ExportVReportCommand : PSCmdlet
{
    /// <summary>The file to write (.html, or .svg with -Format Svg). PowerShell paths are resolved, so Temp: works; an
    /// existing file is replaced. Its folder must exist.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    /// <summary>The objects to report, usually piped from the measuring cmdlets. Any other kind of object is reported as a
    /// ReportInputNotSupported error and left out; the rest are still written.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    [AllowNull]
    public PSObject? InputObject { get; set; }

    /// <summary>Html (the default): a page with tables and charts. Svg: the charts alone, stacked in one SVG document.</summary>
    [Parameter]
    public ReportFormat Format { get; set; } = ReportFormat.Html;

    /// <summary>The report's title.</summary>
    [Parameter]
    public string Title { get; set; } = "VirtPS experiment";

    /// <summary>Write the file's FileInfo to the pipeline.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    ExperimentReport? _report;

    protected override void BeginProcessing() => _report = new ExperimentReport(Title);

    protected override void ProcessRecord()
    {
        if (InputObject?.BaseObject is not { } item) return;
        try { _report!.Add(item); }
        catch (VirtPSException e) { WriteError(Errors.From(e)); }
    }

    protected override void EndProcessing()
    {
        if (_report!.Count == 0)
        {
            ThrowTerminatingError(Errors.Create(ErrorIds.ReportEmpty, ErrorKind.InvalidArgument,
                $"Nothing to report: pipe in what {string.Join(", ", ExperimentReport.Accepted)} write. No file was written.", Path));
        }
        if (OutputFile.Resolve(this, Path, ErrorIds.ReportPathNotFound, out var missing) is not { } file) { ThrowTerminatingError(missing!); return; }
        if (!ShouldProcess(file, $"Write a {Format} report of {_report.Count} objects")) return;
        string text = Format == ReportFormat.Html ? _report.ToHtml() : _report.ToSvg();
        try { File.WriteAllText(file, text, new UTF8Encoding(false)); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            ThrowTerminatingError(new ErrorRecord(e, ErrorIds.ReportWriteFailed, ErrorCategory.WriteError, file));
        }
        if (PassThru) WriteObject(new FileInfo(file));
    }
}
