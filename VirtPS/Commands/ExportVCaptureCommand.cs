using System.Management.Automation;
using VirtPS.Engine;
using VirtPS.Engine.Network;

namespace VirtPS.Commands;

/// <summary>Writes the frames of one capture point to a libpcap file (Ethernet link type) that Wireshark and tshark open.</summary>
[Cmdlet(VerbsData.Export, "VCapture", DefaultParameterSetName = CaptureTarget.NetworkSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
public sealed class ExportVCaptureCommand : CaptureCommandBase
{
    /// <summary>The .pcap file to write. PowerShell paths are resolved, so Temp: works; an existing file is
    /// replaced.</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    protected override void ProcessRecord()
    {
        var targets = Targets();
        if (targets.Count == 0) return;
        if (targets.Count > 1)
        {
            WriteError(Errors.Create(ErrorIds.AmbiguousCapture, ErrorKind.InvalidArgument,
                $"{targets.Count} capture points match; export one at a time ({string.Join(", ", targets.Select(t => t.Name))}).", Path));
            return;
        }
        var (name, capture) = targets[0];
        string file = SessionState.Path.GetUnresolvedProviderPathFromPSPath(Path);
        if (!ShouldProcess(file, $"Write {capture.Frames.Count} frames of {name}")) return;
        try { capture.Save(file); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            WriteError(new ErrorRecord(e, ErrorIds.CaptureWriteFailed, ErrorCategory.WriteError, file));
        }
    }
}
