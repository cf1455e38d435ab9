using VirtPS.Engine.Io;

namespace VirtPS.Engine.Guests;

/// <summary>
/// Runs an IO workload once per IO mode (and per style and driver model asked for), each on a fresh guest with its device
/// in that mode, and writes what reaching the device cost: the source article's comparison of full emulation, split
/// drivers and IO-through. Exits (or traps, or callouts) per request are the device's intercepted register accesses;
/// notifications count both ways (kicks and used buffer notifications); cycles per KiB are the whole run's cycles, priced
/// by the guest's cost model, over the bytes the device moved. Nothing here knows what a mode costs.
/// </summary>
public static class IoModeComparison
{
    public static readonly IReadOnlyList<string> Workloads = ["diskread", "diskwrite", "netperf"];
    /// <summary>Datagrams netperf sends in a comparison run, unless told.</summary>
    public const long DefaultDatagrams = 2000;
    public const long DefaultSizeMB = 16;

    /// <summary>One row per (style, driver model, mode). Disk workloads use <paramref name="path"/> (opened as it is) or a
    /// scratch image of <paramref name="sizeMB"/> MiB in the temp directory, deleted afterwards. Everything is validated
    /// before the first run.</summary>
    public static IEnumerable<IoModeComparisonRow> Run(string workload, IEnumerable<VirtualizationStyle> styles, IEnumerable<IoModel> models,
        IEnumerable<IoMode>? modes = null, string? path = null, long? sizeMB = null, bool eventIdx = true, CancellationToken cancel = default,
        long? datagrams = null)
    {
        if (!Workloads.Contains(workload, StringComparer.OrdinalIgnoreCase))
            throw new VirtPSException(ErrorIds.NotAnIoWorkload, ErrorKind.InvalidArgument,
                $"Compare-VIoMode runs an IO workload: {string.Join(", ", Workloads)}; got '{workload}'.", workload);
        workload = workload.ToLowerInvariant();
        var styleList = styles.Distinct().ToList();
        foreach (var s in styleList) if (!Styles.Vmm.Available.Contains(s)) throw Styles.Vmm.Unavailable(s);
        var modelList = models.Distinct().ToList();
        var modeList = (modes ?? [IoMode.Emulated, IoMode.Paravirtual, IoMode.Passthrough]).Distinct().ToList();
        long size = sizeMB ?? DefaultSizeMB;
        if (path is null && (size < 1 || size > 4096))
            throw new VirtPSException(ErrorIds.ImageTooSmall, ErrorKind.InvalidArgument, $"SizeMB must be 1 to 4096; got {size}.", size);
        string? scratch = null;
        if (workload != "netperf")   // netperf needs no image: its NIC is on a world of its own
        {
            if (path is null)
            {
                scratch = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"virtps-iomode-{Environment.ProcessId}-{Guid.NewGuid():N}.img");
                using (DiskImage.Open(scratch, size)) { }
                path = scratch;
            }
            else using (DiskImage.Open(path, readOnly: workload == "diskread")) { }   // a missing or bad image fails before any run
        }
        try
        {
            foreach (var style in styleList)
                foreach (var model in modelList)
                {
                    var rows = new List<IoModeComparisonRow>();
                    foreach (var mode in modeList)
                    {
                        cancel.ThrowIfCancellationRequested();
                        rows.Add(RunOne(workload, style, model, mode, path, eventIdx, cancel, datagrams ?? DefaultDatagrams));
                    }
                    var pt = rows.FirstOrDefault(r => r.Mode == IoMode.Passthrough);
                    foreach (var r in rows)
                        yield return r with { RatioToPassthrough = pt is { CyclesPerKiB: > 0 } ? Math.Round(r.CyclesPerKiB / pt.CyclesPerKiB, 3) : double.NaN };
                }
        }
        finally { if (scratch != null) File.Delete(scratch); }
    }

    static IoModeComparisonRow RunOne(string workload, VirtualizationStyle style, IoModel model, IoMode mode, string? path, bool eventIdx,
        CancellationToken cancel, long datagrams)
    {
        bool network = workload == "netperf";
        var g = Guest.Create(new GuestSpec { Name = $"{workload}-{mode}".ToLowerInvariant(), Style = style, Kind = GuestImageKind.Workload, Workload = workload,
            Iterations = network ? datagrams : null });
        g.Vmm.IoModelSource = () => model;
        // netperf streams UDP to the LAN's discard service (lanhost1, port 9) through a bridge, on a world of its own.
        GuestDevice disk;
        if (network)
        {
            var world = new Network.NetworkWorld();
            world.NewNetwork("iomode", Network.NetworkMode.Bridge);
            disk = g.AddNetworkAdapter(world, "iomode", mode);
        }
        else disk = g.AddDisk(path!, null, mode, eventIdx: eventIdx);
        try
        {
            var r = g.Step(null, cancel);
            if (r.StopReason == StopReason.Cancelled) throw new OperationCanceledException(cancel);
            if (g.State != GuestState.Halted)
                throw new VirtPSException(ErrorIds.WorkloadDidNotFinish, ErrorKind.InvalidOperation,
                    $"{workload} under {style} with its disk {mode} did not finish: {r.StopReason} ({g.LastException?.ToString() ?? "no exception"}).", workload);
            var m = new DeviceMeasurement(g, disk);
            return new IoModeComparisonRow(workload, mode, style, model, m.Requests, m.Bytes,
                m.InterceptsPerRequest, m.NotificationsPerRequest, m.InterruptsPerRequest,
                g.Vmm.Events[Trace.GuestEvent.DomainSwitch], g.Vmm.Events.Count(Trace.GuestEvent.WorldSwitch, Trace.EventLedger.HostOs), g.Cycles, m.CyclesPerKiB, double.NaN,
                g.Machine.Console.Output.Split('\n').LastOrDefault(l => l.StartsWith(workload + ":", StringComparison.Ordinal)) ?? "");
        }
        finally { g.CloseDevices(); }
    }
}
