using System.Management.Automation;
using VirtPS.Engine;
using VirtPS.Engine.Guests;

namespace VirtPS.Commands;

/// <summary>Lists the built-in kernel's workloads: what each stresses, its default size and process count.</summary>
[Cmdlet(VerbsCommon.Get, "VWorkload")]
[OutputType(typeof(Workload))]
public sealed class GetVWorkloadCommand : PSCmdlet
{
    /// <summary>Names of the workloads to get; wildcards are allowed. A name without wildcards that matches no
    /// workload is WorkloadNotFound (ObjectNotFound).</summary>
    [Parameter(Position = 0, ValueFromPipeline = true)]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(WorkloadNameCompleter))]
    [PSDefaultValue(Help = "* (every workload)")]
    public string[] Name { get; set; } = ["*"];

    protected override void ProcessRecord()
    {
        foreach (var n in Name)
        {
            var pattern = WildcardPattern.Get(n, WildcardOptions.IgnoreCase);
            var found = Workload.All.Where(w => pattern.IsMatch(w.Name)).ToList();
            if (found.Count == 0 && !WildcardPattern.ContainsWildcardCharacters(n))
                WriteError(Errors.Create(ErrorIds.WorkloadNotFound, ErrorKind.ObjectNotFound, $"No workload named '{n}'.", n));
            foreach (var w in found) WriteObject(w);
        }
    }
}
