using System.Text.Json;
using VirtPS.Engine.Costs;
using VirtPS.Engine.Guests;
using VirtPS.Engine.Io;
using VirtPS.Engine.Io.Block;
using VirtPS.Engine.Io.Net;
using VirtPS.Engine.Memory;
using VirtPS.Engine.Network;
using static VirtPS.Engine.Labs.LabDocument;

namespace VirtPS.Engine.Labs;

/// <summary>
/// Writes a lab and its networks as a <see cref="LabDocument"/>, and builds one back: <see cref="Read"/> checks the file
/// (JSON, format, version, every field's type) and <see cref="Import"/> checks every name and specification against the
/// lab it goes into before it makes anything, then makes it all, or — should a step still fail (a disk image that cannot
/// be opened) — takes back what it made, so the lab is as it was.
/// </summary>
public static class LabFile
{
    /// <summary>The schema's name, shipped beside the module.</summary>
    public const string SchemaFile = "VirtPS.Lab.schema.json";

    public static LabDocument Capture(Lab lab, NetworkWorld world) => new()
    {
        Schema = SchemaFile,
        Format = FormatName,
        Version = CurrentVersion,
        Hosts = lab.Hosts.Select(h => new HostEntry
        {
            Name = h.Name, Type = h.Type, PhysicalCpus = h.PhysicalCpus, CostModel = Entry(h.CostModel), TlbTagging = h.TlbTagging,
            Quantum = h.Quantum, IoModel = h.ExplicitIoModel,
            TlbConfiguration = h.TlbConfiguration == TlbConfiguration.Skylake ? null : Entry(h.TlbConfiguration),
        }).ToList(),
        Networks = world.Networks.Select(n => new NetworkEntry { Name = n.Name, Mode = n.Mode, Subnet = n.Subnet.ToString() }).ToList(),
        Guests = lab.Guests.Select(Entry).ToList(),
        Adapters = world.Adapters.Select(a => (a.Sequence, Entry: new AdapterEntry(a.GuestName, a.Network.Name, a.MacAddress.ToString())))
            .Concat(lab.Guests.SelectMany(g => g.Devices.OfType<NetworkAdapter>().Select(n => (n, p: world.MachinePorts.FirstOrDefault(p => p.GuestName == g.Name && p.Mac == n.Mac)))
                .Where(x => x.p is not null).Select(x => (x.p!.Sequence, Entry: new AdapterEntry(g.Name, x.p.Network.Name, x.n.Mac.ToString(), x.n.Name, x.n.Mode)))))
            .OrderBy(x => x.Sequence).Select(x => x.Entry).ToList(),
        Routes = world.UserRoutes.Select(r => new RouteEntry(r.Node, r.Destination.ToString(), r.Gateway.ToString())).ToList(),
        PortForwards = world.PortForwards.Select(f => new PortForwardEntry(f.Network, f.Protocol, f.HostPort, f.Guest, f.GuestPort)).ToList(),
    };

    public static string Write(LabDocument doc) => JsonSerializer.Serialize(doc, LabJsonContext.Default.LabDocument);

    /// <summary>A guest as the file keeps it: its specification, and what Set-VGuest, Add-VDisk and its host gave it since.</summary>
    static GuestEntry Entry(Guest g) => SpecEntry(g.Spec) with
    {
        Name = g.Name, Host = g.Host is { IsDefault: false } h ? h.Name : null, Pcid = g.Pcid,
        // The spec's own choice (none: the default) while the guest still has it; the engine Set-VGuest gave it otherwise.
        Engine = g.Engine == g.Spec.EffectiveEngine ? g.Spec.Engine : g.Engine, WalkCaches = g.WalkCaches, NestedTlb = g.NestedTlb,
        TlbConfiguration = g.TlbConfiguration == TlbConfiguration.Skylake ? null : Entry(g.TlbConfiguration),
        VmExecutionControls = g.Vmm is Styles.HardwareAssisted ha ? ha.Controls.ToString() : null,
        Disks = g.Devices.OfType<Disk>().Select(d => new DiskEntry { Name = d.Name, Path = d.Image.Path, SizeMB = d.Image.Length >> 20, Mode = d.Mode, EventIdx = d.EventIdx }).ToList(),
    };

    /// <summary>A guest specification as the file's guest entry (the lab's, and a checkpoint file's).</summary>
    internal static GuestEntry SpecEntry(GuestSpec s) => new()
    {
        Name = s.Name, Host = s.Host, Style = s.Style, Paging = s.Paging, EptPageSize = s.EptPageSize,
        MemoryMB = s.MemoryMB, Kind = s.Kind, Workload = s.Workload, Iterations = s.Iterations,
        WorkloadParameters = s.WorkloadParameters?.ToDictionary(), Image = s.Image.Length > 0 ? s.Image : null, Origin = s.Origin,
        EntryPoint = s.EntryPoint, CommandLine = s.CommandLine == "" ? null : s.CommandLine, Processes = s.Processes,
        TimerPeriod = s.TimerPeriod == Kernel.DefaultTimerPeriod ? null : s.TimerPeriod, Pcid = s.Pcid, Backend = s.Backend,
        Engine = s.Engine, CostModel = s.Costs is { } c ? Entry(c) : null,
        ClassFiles = s.ClassFiles?.Select(f => new ClassFileEntry(f.Source, f.Bytes)).ToList(), MainClass = s.MainClass,
        JitThreshold = s.Kind == GuestImageKind.ClassFiles ? s.JitThreshold : null,
        HostName = s.HostName, CpuQuota = s.CpuQuota, MemoryLimitMB = s.MemoryLimitMB, Namespaces = s.Namespaces?.ToList(),
    };

    /// <summary>The specification a guest entry describes (not yet validated); <paramref name="path"/> names the entry in errors.</summary>
    internal static GuestSpec Spec(GuestEntry g, string origin, string path) => new()
    {
        Name = g.Name, Host = g.Host, Style = g.Style, Paging = g.Paging, EptPageSize = g.EptPageSize, MemoryMB = g.MemoryMB, Kind = g.Kind,
        Workload = g.Workload, Iterations = g.Iterations, WorkloadParameters = g.WorkloadParameters, Image = g.Image ?? [], Origin = g.Origin,
        EntryPoint = g.EntryPoint, CommandLine = g.CommandLine ?? "", Processes = g.Processes, TimerPeriod = g.TimerPeriod ?? Kernel.DefaultTimerPeriod,
        Pcid = g.Pcid, Backend = g.Backend, Engine = g.Engine, Costs = g.CostModel is { } m ? Model(m, origin, path + ".costModel") : null,
        ClassFiles = g.ClassFiles?.Select(f => (f.Source, f.Bytes)).ToList(), MainClass = g.MainClass,
        JitThreshold = g.JitThreshold ?? GuestSpec.DefaultJitThreshold,
        HostName = g.HostName, CpuQuota = g.CpuQuota, MemoryLimitMB = g.MemoryLimitMB, Namespaces = g.Namespaces,
    };

    static CostModelEntry Entry(CostModel m) => new()
    {
        Name = m.Name, Description = m.Description,
        Costs = m.Costs.ToDictionary(c => c.Event.ToString(), c => new CostEntryValue(c.Cycles, c.Source)),
    };

    static TlbGeometryEntry Entry(TlbConfiguration t) => new(G(t.InstructionSmall), G(t.InstructionLarge), G(t.DataSmall), G(t.DataLarge), G(t.SecondLevel));
    static int[] G(CacheGeometry g) => [g.Entries, g.Ways];

    // ---------------------------------------------------------------- reading

    /// <summary>Parses a lab file. Errors: LabFileInvalid (not JSON, truncated), LabFieldInvalid (a field of the wrong type,
    /// missing or unknown, named by its JSON path), LabVersionNotSupported.</summary>
    public static LabDocument Read(string json, string origin)
    {
        // The version first, from the raw document: a file of a later version may have fields this one would call unknown.
        try
        {
            using var raw = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            if (raw.RootElement.ValueKind != JsonValueKind.Object)
                throw Field(origin, "$", "a lab file is a JSON object");
            if (!raw.RootElement.TryGetProperty("format", out var f) || f.ValueKind != JsonValueKind.String || f.GetString() != FormatName)
                throw Field(origin, "$.format", $"must be \"{FormatName}\"");
            if (!raw.RootElement.TryGetProperty("version", out var v) || v.ValueKind != JsonValueKind.Number || !v.TryGetInt32(out int version))
                throw Field(origin, "$.version", "must be a whole number");
            if (version != CurrentVersion)
                throw new VirtPSException(ErrorIds.LabVersionNotSupported, ErrorKind.InvalidData,
                    $"{origin}: lab format version {version}; this VirtPS reads version {CurrentVersion}.", version);
        }
        catch (JsonException e)
        {
            throw new VirtPSException(ErrorIds.LabFileInvalid, ErrorKind.InvalidData,
                $"{origin}: not a complete JSON document (line {(e.LineNumber ?? 0) + 1}, byte {(e.BytePositionInLine ?? 0) + 1}): {e.Message}", origin);
        }
        try { return JsonSerializer.Deserialize(json, LabJsonContext.Default.LabDocument) ?? throw Field(origin, "$", "is null"); }
        catch (JsonException e) { throw Field(origin, e.Path ?? "$", Problem(e, json)); }
    }

    /// <summary>What was wrong at the exception's path, said in the file's terms rather than .NET's.</summary>
    static string Problem(JsonException e, string json)
    {
        string m = e.Message;
        var missing = System.Text.RegularExpressions.Regex.Match(m, "missing required properties including: (.*?)\\.?( Path:|$)");
        if (missing.Success) return $"is missing {missing.Groups[1].Value.Replace("'", "")}";
        if (m.Contains("could not be mapped to any .NET member", StringComparison.Ordinal))
        {
            var name = System.Text.RegularExpressions.Regex.Match(m, "property '([^']+)'");
            return $"'{(name.Success ? name.Groups[1].Value : e.Path)}' is not a field here (see {SchemaFile})";
        }
        string value = ValueAt(json, e.Path) is { } v ? v + " " : "its value ";
        return $"{value}is not of the type this field takes (see {SchemaFile})";
    }

    /// <summary>The raw JSON text at a simple path ($.a[0].b), or null.</summary>
    static string? ValueAt(string json, string? path)
    {
        if (path is null) return null;
        try
        {
            var node = System.Text.Json.Nodes.JsonNode.Parse(json);
            foreach (System.Text.RegularExpressions.Match step in System.Text.RegularExpressions.Regex.Matches(path, @"\.([A-Za-z0-9_$]+)|\[(\d+)\]"))
                node = step.Groups[1].Success ? node?[step.Groups[1].Value] : node?[int.Parse(step.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture)];
            return node?.ToJsonString();
        }
        catch (Exception x) when (x is JsonException or InvalidOperationException or ArgumentOutOfRangeException) { return null; }
    }

    static VirtPSException Field(string origin, string path, string problem) =>
        new(ErrorIds.LabFieldInvalid, ErrorKind.InvalidData, $"{origin}: {path}: {problem}.", path);

    // ---------------------------------------------------------------- building

    /// <summary>What an import made.</summary>
    public sealed record ImportResult(IReadOnlyList<VHost> Hosts, IReadOnlyList<VirtualNetwork> Networks, IReadOnlyList<Guest> Guests);

    /// <summary>Builds <paramref name="doc"/> into <paramref name="lab"/> and <paramref name="world"/>. Checked first, whole:
    /// LabConflict for a host, network or guest name already there (or twice in the file), the guests' own specification
    /// errors, LabFieldInvalid for a reference to a host or network the lab will not have. Nothing is made until all of it
    /// passes, and a later failure takes back everything made.</summary>
    public static ImportResult Import(LabDocument doc, Lab lab, NetworkWorld world, string origin)
    {
        var specs = Check(doc, lab, world, origin);
        var madeHosts = new List<VHost>();
        var madeNetworks = new List<VirtualNetwork>();
        var madeGuests = new List<Guest>();
        var madeForwards = new List<PortForwardEntry>();
        var madeRoutes = new List<RouteEntry>();
        var defaultHost = lab.DefaultHost;
        var before = (defaultHost.Type, defaultHost.PhysicalCpus, defaultHost.CostModel, defaultHost.TlbTagging, defaultHost.Quantum,
            defaultHost.TlbConfiguration, defaultHost.ExplicitIoModel);
        try
        {
            foreach (var h in doc.Hosts)
            {
                var model = Model(h.CostModel, origin);
                var host = h.Name.Equals(Lab.DefaultHostName, StringComparison.OrdinalIgnoreCase) ? defaultHost : lab.AddHost(h.Name, h.Type, h.PhysicalCpus, model);
                if (!ReferenceEquals(host, defaultHost)) madeHosts.Add(host);
                host.Update(h.Type, h.PhysicalCpus, model, h.TlbTagging, h.Quantum, h.TlbConfiguration is { } t ? Geometry(t) : TlbConfiguration.Skylake);
                host.ExplicitIoModel = h.IoModel;
            }
            foreach (var n in doc.Networks) madeNetworks.Add(world.NewNetwork(n.Name, n.Mode, n.Subnet));
            foreach (var (entry, spec) in doc.Guests.Zip(specs))
            {
                var g = lab.Create(spec);
                madeGuests.Add(g);
                g.WalkCaches = entry.WalkCaches;
                g.NestedTlb = entry.NestedTlb;
                if (entry.TlbConfiguration is { } t) g.TlbConfiguration = Geometry(t);
                if (entry.VmExecutionControls is { } c && g.Vmm is Styles.HardwareAssisted ha)
                    ha.Controls = Enum.Parse<Styles.VmExecutionControls>(c);
                foreach (var d in entry.Disks) g.AddDisk(d.Path, d.SizeMB, d.Mode, d.Name, d.EventIdx);
            }
            foreach (var a in doc.Adapters)
            {
                if (a.Mode is { } mode)
                    lab.Get(a.Guest).AddNetworkAdapter(world, a.Network, mode, a.Nic, a.MacAddress is { } mac ? Network.Frames.MacAddress.Parse(mac) : null);
                else world.ConnectAdapter(a.Guest, a.Network, a.MacAddress);
            }
            foreach (var r in doc.Routes) { world.AddRoute(r.Node, r.Destination, r.Gateway); madeRoutes.Add(r); }
            foreach (var f in doc.PortForwards) { world.AddPortForward(f.Network, f.Protocol, f.HostPort, f.Guest, f.GuestPort); madeForwards.Add(f); }
        }
        catch
        {
            foreach (var f in madeForwards) world.RemovePortForward(f.Protocol, f.HostPort);
            foreach (var r in madeRoutes) try { world.RemoveRoute(r.Node, r.Destination); } catch (VirtPSException) { }
            foreach (var g in madeGuests)
            {
                foreach (var a in world.GetAdapters(g.Name)) world.DisconnectAdapter(a);
                foreach (var p in world.MachinePorts.Where(p => p.GuestName == g.Name).ToList()) world.DisconnectMachine(p);
                lab.Remove(g);
            }
            foreach (var n in madeNetworks) world.RemoveNetwork(n.Name);
            foreach (var h in madeHosts) lab.RemoveHost(h);
            defaultHost.Update(before.Type, before.PhysicalCpus, before.CostModel, before.TlbTagging, before.Quantum, before.TlbConfiguration);
            defaultHost.ExplicitIoModel = before.ExplicitIoModel;
            throw;
        }
        return new ImportResult(madeHosts, madeNetworks, madeGuests);
    }

    /// <summary>Every check that needs no change to the lab; returns each guest's specification.</summary>
    static List<GuestSpec> Check(LabDocument doc, Lab lab, NetworkWorld world, string origin)
    {
        void Conflict(string kind, string name) => throw new VirtPSException(ErrorIds.LabConflict, ErrorKind.ResourceExists,
            $"{origin}: this runspace already has a {kind} named '{name}' (or the file names it twice); remove it first or import into a new runspace.", name);
        var hosts = new HashSet<string>(lab.Hosts.Select(h => h.Name), StringComparer.OrdinalIgnoreCase);
        var fileHosts = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (int i = 0; i < doc.Hosts.Count; i++)
        {
            var h = doc.Hosts[i];
            Guest.ValidateName(h.Name, "InvalidHostName", "Host");
            if (!fileHosts.Add(h.Name)) Conflict("host", h.Name);
            if (!h.Name.Equals(Lab.DefaultHostName, StringComparison.OrdinalIgnoreCase) && hosts.Contains(h.Name)) Conflict("host", h.Name);
            Model(h.CostModel, origin, $"$.hosts[{i}].costModel");
            if (h.TlbConfiguration is { } t) Geometry(t, origin, $"$.hosts[{i}].tlbConfiguration").Validate();
        }
        hosts.UnionWith(fileHosts);

        var networks = new HashSet<string>(world.Networks.Select(n => n.Name), StringComparer.OrdinalIgnoreCase);
        foreach (var n in doc.Networks) if (!networks.Add(n.Name)) Conflict("network", n.Name);

        var guests = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var specs = new List<GuestSpec>();
        for (int i = 0; i < doc.Guests.Count; i++)
        {
            var g = doc.Guests[i];
            Guest.ValidateName(g.Name);
            if (lab.TryGet(g.Name, out _) || !guests.Add(g.Name)) Conflict("guest", g.Name);
            if (g.Host is { } h && !hosts.Contains(h)) throw Field(origin, $"$.guests[{i}].host", $"names host '{h}', which neither the file nor the runspace has");
            if (g.VmExecutionControls is { } c && !Enum.TryParse<Styles.VmExecutionControls>(c, out _))
                throw Field(origin, $"$.guests[{i}].vmExecutionControls", $"'{c}' is not a set of VM-execution controls");
            if (g.TlbConfiguration is { } t) Geometry(t, origin, $"$.guests[{i}].tlbConfiguration").Validate();
            var spec = Spec(g, origin, $"$.guests[{i}]");
            spec.Validate();
            specs.Add(spec);
        }
        foreach (var (a, i) in doc.Adapters.Select((a, i) => (a, i)))
        {
            if (a.Mode is not null && !guests.Contains(a.Guest)) throw Field(origin, $"$.adapters[{i}].guest", $"a NIC (mode {a.Mode}) goes into a guest the file makes; '{a.Guest}' is not one");
            if (a.MacAddress is { } mac)
                try { Network.Frames.MacAddress.Parse(mac); }
                catch (VirtPSException) { throw Field(origin, $"$.adapters[{i}].macAddress", $"'{mac}' is not a MAC address"); }
            if (!guests.Contains(a.Guest) && !lab.TryGet(a.Guest, out _)) throw Field(origin, $"$.adapters[{i}].guest", $"names guest '{a.Guest}', which neither the file nor the runspace has");
            if (!networks.Contains(a.Network)) throw Field(origin, $"$.adapters[{i}].network", $"names network '{a.Network}', which neither the file nor the runspace has");
        }
        foreach (var (f, i) in doc.PortForwards.Select((f, i) => (f, i)))
            if (!networks.Contains(f.Network)) throw Field(origin, $"$.portForwards[{i}].network", $"names network '{f.Network}', which neither the file nor the runspace has");
        return specs;
    }

    static CostModel Model(CostModelEntry m, string origin, string path = "$")
    {
        var costs = new Dictionary<CostEvent, Cost>();
        foreach (var (name, value) in m.Costs)
        {
            if (!Enum.TryParse<CostEvent>(name, out var e) || !Enum.IsDefined(e) || int.TryParse(name, out _))
                throw Field(origin, $"{path}.costs.{name}", "is not a cost event");
            costs[e] = new Cost(value.Cycles, value.Source);
        }
        try { return CostModel.Create(m.Name, m.Description, costs, origin); }
        catch (InvalidCostModelException e) { throw Field(origin, $"{path}.{e.Field}", e.Message[(origin.Length + 2)..].TrimEnd('.')); }
    }

    static TlbConfiguration Geometry(TlbGeometryEntry t, string origin = "", string path = "$")
    {
        CacheGeometry C(int[] v, string level) => v is [int entries, int ways] ? new CacheGeometry(entries, ways)
            : throw Field(origin, $"{path}.{level}", "must be [entries, ways]");
        return new TlbConfiguration
        {
            InstructionSmall = C(t.InstructionSmall, "instructionSmall"), InstructionLarge = C(t.InstructionLarge, "instructionLarge"),
            DataSmall = C(t.DataSmall, "dataSmall"), DataLarge = C(t.DataLarge, "dataLarge"), SecondLevel = C(t.SecondLevel, "secondLevel"),
        };
    }
}
