using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;
using VirtPS.Tests.Hosting;
using Xunit;

namespace VirtPS.Tests.Labs;

/// <summary>Export-VLab and Import-VLab: a lab survives the trip through its file into a new runspace, the file is what the
/// shipped schema says, and a damaged file changes nothing.</summary>
public class LabFileTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("virtps-lab-").FullName;
    public void Dispose() { try { Directory.Delete(_dir, true); } catch (IOException) { } }

    static string Root()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d != null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "VirtPS.sln"))) return d.FullName;
        throw new InvalidOperationException("VirtPS.sln not found");
    }

    // Two hosts, six guests in six styles (one with a virtio disk, one with an NE2000, one a container), three networks, routes and port forwards.
    string Lab() => $"""
        $null = New-VHost -Name lab2 -Type Type2 -PhysicalCpus 2 -CostProfile Pentium4-2006
        Set-VHost -Name default -IoModel Hybrid -Quantum 20000
        $null = New-VNetwork -Name nat -Mode Nat
        $null = New-VNetwork -Name iso -Mode Isolated -Subnet 10.9.0.0/24
        $null = New-VNetwork -Name ho -Mode HostOnly
        New-VGuest -Name web -Workload compute -Style HardwareAssisted -Paging Shadow | Connect-VNetworkAdapter -Network nat
        New-VGuest -Name db -Workload syscall -Style Paravirtual -VHost lab2 | Connect-VNetworkAdapter -Network iso
        New-VGuest -Name bt -Workload diskread -Style BinaryTranslation -MemoryMB 96 | Connect-VNetworkAdapter -Network ho
        New-VGuest -Name emu -Code 'mov eax, 0', 'syscall' -Style Emulation | Connect-VNetworkAdapter -Network iso
        $null = New-VGuest -Name bare -Bare -Code 'hlt' -Style TrapAndEmulate -VHost lab2
        $null = New-VGuest -Name box -Style Container -Workload syscall -Iterations 100 -HostName alpha -CpuQuota 0.5 -MemoryLimitMB 2
        Add-VDisk -Guest bt -Path '{_dir}/bt.img' -SizeMB 4 -Mode Paravirtual
        Connect-VNetworkAdapter -Guest emu -Network ho -Mode Emulated
        Connect-VNetworkAdapter -Guest web -Network iso
        Set-VGuest -Guest web -ExitOn CpuId -WalkCache Off
        Add-VPortForward -Network nat -Protocol Tcp -HostPort 8080 -Guest web -GuestPort 80
        Add-VPortForward -Network nat -Protocol Udp -HostPort 5353 -Guest web -GuestPort 53
        Add-VRoute -Node db -Destination 10.0.0.0/8 -Gateway 10.9.0.1
        """;

    // What a user sees of the lab: the guests, networks, hosts (every property), adapters, devices and who reaches whom.
    const string Snapshot = """
        (Get-VGuest | Format-List * | Out-String) + (Get-VNetwork | Format-List * | Out-String) + (Get-VHost | Format-List * | Out-String) +
        (Get-VNetworkAdapter | Out-String) + (Get-VGuest | Get-VDevice | Out-String) + (Get-VNetwork | Get-VReachability | Out-String)
        """;

    static string Run(InProcessShell shell, string script)
    {
        var (output, errors) = shell.Run(script);
        Assert.True(errors.Count == 0, string.Join("\n", errors.Select(e => e.ToString())));
        return string.Join("\n", output.Select(o => o.ToString()));
    }

    [Fact]
    public void A_lab_exported_and_imported_in_a_new_runspace_looks_the_same()
    {
        string file = Path.Combine(_dir, "lab.json");
        string before;
        using (var a = new InProcessShell())
        {
            Run(a, Lab());
            before = Run(a, Snapshot);
            Run(a, $"Export-VLab -Path '{file}'");
        }
        using var b = new InProcessShell();
        Run(b, $"Import-VLab -Path '{file}'");
        Assert.Equal(before, Run(b, Snapshot));
        // The rebuilt guests run: the disk guest reads its (zeroed) image through virtio-blk to its CRC.
        Assert.Contains("crc32=0x", Run(b, "$null = Invoke-VStep -Guest bt; Receive-VConsole -Guest bt -All"));
        // The container is rebuilt on the default host's shared kernel, with its own host name.
        Assert.Equal("alpha", Run(b, "(Get-VGuest box).Spec.HostName"));
    }

    [Fact]
    public void The_file_validates_against_the_schema_the_module_ships()
    {
        string file = Path.Combine(_dir, "lab.json");
        using (var a = new InProcessShell()) { Run(a, Lab()); Run(a, $"Export-VLab -Path '{file}'"); }
        var schema = JsonSchema.FromText(File.ReadAllText(Path.Combine(Root(), "VirtPS", "VirtPS.Lab.schema.json")));
        var doc = JsonNode.Parse(File.ReadAllText(file))!;
        var result = schema.Evaluate(Element(doc), new EvaluationOptions { OutputFormat = OutputFormat.List });
        Assert.True(result.IsValid, JsonSerializer.Serialize(result));
        // The schema is not vacuous: a wrong type and an unknown field fail it.
        doc["hosts"]![0]!["physicalCpus"] = "two";
        Assert.False(schema.Evaluate(Element(doc)).IsValid);
        doc["hosts"]![0]!["physicalCpus"] = 1;
        doc["guests"]![0]!["colour"] = "blue";
        Assert.False(schema.Evaluate(Element(doc)).IsValid);
    }

    [Theory]
    [InlineData("truncated", "LabFileInvalid", "line")]
    [InlineData("version", "LabVersionNotSupported", "version 2")]
    [InlineData("wrongtype", "LabFieldInvalid", "$.hosts[1].physicalCpus")]
    [InlineData("unknownfield", "LabFieldInvalid", "colour")]
    [InlineData("format", "LabFieldInvalid", "$.format")]
    [InlineData("conflict", "LabConflict", "'keep'")]
    [InlineData("badreference", "LabFieldInvalid", "$.guests[1].host")]
    [InlineData("baddisk", "ImageDirectoryNotFound", "no-such-folder")]
    public void A_damaged_file_is_refused_by_id_and_the_runspace_does_not_change(string damage, string errorId, string named)
    {
        string file = Path.Combine(_dir, "lab.json");
        using (var a = new InProcessShell()) { Run(a, Lab()); Run(a, $"Export-VLab -Path '{file}'"); }
        string text = File.ReadAllText(file);
        var node = JsonNode.Parse(text)!;
        text = damage switch
        {
            "truncated" => text[..(text.Length / 2)],
            "version" => Set(node, n => n["version"] = 2),
            "wrongtype" => Set(node, n => n["hosts"]![1]!["physicalCpus"] = "two"),
            "unknownfield" => Set(node, n => n["guests"]![0]!["colour"] = "blue"),
            "format" => Set(node, n => n["format"] = "SomethingElse"),
            "conflict" => Set(node, n => n["guests"]![4]!["name"] = "keep"),
            "badreference" => Set(node, n => n["guests"]![1]!["host"] = "nowhere"),
            "baddisk" => Set(node, n => n["guests"]![2]!["disks"]![0]!["path"] = Path.Combine(_dir, "no-such-folder", "x.img")),
            _ => throw new ArgumentException(damage),
        };
        File.WriteAllText(file, text);

        using var b = new InProcessShell();
        Run(b, "$null = New-VGuest -Name keep -Workload compute");   // something already in the runspace
        string before = Run(b, Snapshot);
        var (_, errors) = b.Run($"Import-VLab -Path '{file}'");
        var error = Assert.Single(errors);
        Assert.Equal(errorId, error.FullyQualifiedErrorId.Split(',')[0]);
        Assert.Contains(named, error.Exception.Message);
        Assert.Equal(before, Run(b, Snapshot));
    }

    static JsonElement Element(JsonNode node) => JsonDocument.Parse(node.ToJsonString()).RootElement;

    static string Set(JsonNode node, Action<JsonNode> change)
    {
        change(node);
        return node.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }
}
