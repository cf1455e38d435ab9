using System.Management.Automation;
using VirtPS.Engine.Guests;

namespace VirtPS.Commands;

/// <summary>
/// Lists the processes of hosts' shared container kernels, as the host sees them: each process's global pid, the
/// container it belongs to, the pid it has in that container's pid namespace (what its getpid returns) and its state,
/// read from the kernel's own process table. A host without containers has none.
/// </summary>
[Cmdlet(VerbsCommon.Get, "VProcess")]
[OutputType(typeof(ContainerProcess))]
public sealed class GetVProcessCommand : PSCmdlet
{
    /// <summary>The hosts whose shared kernel to read (host objects, names or wildcard patterns; -Host is an alias); the
    /// default is every host. A name that matches no host fails parameter binding with a HostNotFound error inside.
    /// Names complete on Tab.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true)]
    [Alias("Host")]
    [HostTransformation]
    [ArgumentCompleter(typeof(HostNameCompleter))]
    [SupportsWildcards]
    [ValidateNotNull]
    [PSDefaultValue(Help = "every host")]
    public VHost[]? VHost { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var h in VHost ?? [.. LabState.Current.Hosts])
            if (h.ContainerKernel is { } k)
                foreach (var p in k.Processes()) WriteObject(p);
    }
}
