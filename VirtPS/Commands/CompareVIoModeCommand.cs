using System.Management.Automation;
using VirtPS.Engine;
using VirtPS.Engine.Guests;
using VirtPS.Engine.Io;

namespace VirtPS.Commands;

/// <summary>Runs an IO workload under each IO mode (Emulated, Paravirtual, Passthrough), each on a fresh guest, and writes one
/// row per mode: exits per request, notifications per request, cycles per KiB and the ratio to passthrough. Disk workloads
/// run on a scratch image of -SizeMB unless -Path names one.</summary>
[Cmdlet(VerbsData.Compare, "VIoMode")]
[OutputType(typeof(IoModeComparisonRow))]
public sealed class CompareVIoModeCommand : PSCmdlet
{
    /// <summary>diskread, diskwrite (on a disk) or netperf (a UDP stream through a NIC on a bridge to the LAN's discard service).</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateSet("diskread", "diskwrite", "netperf", IgnoreCase = true)]
    public string Workload { get; set; } = "";

    /// <summary>The CPU styles to run under.</summary>
    [Parameter]
    public VirtualizationStyle[] Style { get; set; } = [VirtualizationStyle.HardwareAssisted];

    /// <summary>The driver models: Autonomous (backends in the hypervisor), Hybrid (in a service domain) or Hosted (in the host OS).</summary>
    [Parameter]
    public IoModel[] IoModel { get; set; } = [Engine.IoModel.Autonomous];

    /// <summary>The modes to compare.</summary>
    [Parameter]
    public IoMode[] Mode { get; set; } = [IoMode.Emulated, IoMode.Paravirtual, IoMode.Passthrough];

    /// <summary>An existing raw image to use (diskwrite overwrites it).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    /// <summary>The size of the scratch image, in MiB.</summary>
    [Parameter]
    [ValidateRange(1, 4096)]
    public long SizeMB { get; set; } = IoModeComparison.DefaultSizeMB;

    /// <summary>Datagrams netperf sends in each run.</summary>
    [Parameter]
    [ValidateRange(1, 10_000_000)]
    public long Datagrams { get; set; } = IoModeComparison.DefaultDatagrams;

    /// <summary>Off: the virtio disks do not offer VIRTIO_F_EVENT_IDX.</summary>
    [Parameter]
    public OnOff EventIdx { get; set; } = OnOff.On;

    protected override void ProcessRecord()
    {
        string? full = Path is null ? null : GetUnresolvedProviderPathFromPSPath(Path);
        int total = Style.Distinct().Count() * IoModel.Distinct().Count() * Mode.Distinct().Count(), done = 0;
        var progress = new ProgressRecord(1, "Compare-VIoMode", $"{Workload}: {total} runs");
        try
        {
            foreach (var row in IoModeComparison.Run(Workload, Style, IoModel, Mode, full, full is null ? SizeMB : null, EventIdx == OnOff.On, _cancel.Token, Datagrams))
            {
                progress.PercentComplete = 100 * ++done / Math.Max(1, total);
                progress.StatusDescription = $"{row.Style}/{row.IoModel}/{row.Mode}";
                WriteProgress(progress);
                WriteObject(row);
            }
        }
        catch (VirtPSException e) { WriteError(Errors.From(e)); }
        catch (OperationCanceledException) { }
        finally { progress.RecordType = ProgressRecordType.Completed; if (!_cancel.IsCancellationRequested) WriteProgress(progress); }
        if (_cancel.IsCancellationRequested) throw new PipelineStoppedException();
    }

    // Ctrl+C: the run in progress stops at its next instruction-budget check, and the comparison with it.
    readonly CancellationTokenSource _cancel = new();
    protected override void StopProcessing() => _cancel.Cancel();
}
