using System.Management.Automation;
using VirtPS.Engine;
using VirtPS.Engine.Guests;

namespace VirtPS.Commands;

/// <summary>Changes a host's hypervisor type, physical CPUs, cost model, TLB tagging, quantum or driver model; its guests are
/// priced by the new model from then on.</summary>
[Cmdlet(VerbsCommon.Set, "VHost", DefaultParameterSetName = NameSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(VHost))]
public sealed class SetVHostCommand : TlbGeometryCommandBase
{
    const string NameSet = "Name";
    const string HostSet = "VHost";

    /// <summary>Names or wildcard patterns of the hosts to change; a plain name that matches nothing is a
    /// non-terminating HostNotFound error.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = NameSet)]
    [ArgumentCompleter(typeof(HostNameCompleter))]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[] Name { get; set; } = [];

    /// <summary>Hosts to change: host objects, usually piped from Get-VHost or New-VHost, names or wildcard patterns (-InputObject is
    /// an alias). A name that matches no host fails parameter binding with a HostNotFound error inside.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = HostSet)]
    [Alias("InputObject")]
    [HostTransformation]
    [ArgumentCompleter(typeof(HostNameCompleter))]
    [SupportsWildcards]
    [AllowEmptyCollection]
    [ValidateNotNull]
    public VHost[] VHost { get; set; } = [];

    /// <summary>The new hypervisor type: Type1 or Type2.</summary>
    [Parameter]
    [PSDefaultValue(Help = "unchanged")]
    public HypervisorType? Type { get; set; }

    /// <summary>The new number of physical CPUs, 1 to 1024.</summary>
    [Parameter]
    [PSDefaultValue(Help = "unchanged")]
    public int? PhysicalCpus { get; set; }

    /// <summary>The name of a built-in cost profile: Modern or Pentium4-2006; the host's guests are priced by it
    /// from then on.</summary>
    [Parameter]
    [ArgumentCompleter(typeof(CostProfileNameCompleter))]
    [ValidateNotNullOrEmpty]
    [PSDefaultValue(Help = "unchanged")]
    public string? CostProfile { get; set; }

    /// <summary>A cost model object from Get-VCostModel, or the path of a cost model JSON file.</summary>
    [Parameter]
    [ValidateNotNull]
    [PSDefaultValue(Help = "unchanged")]
    public object? CostModel { get; set; }

    /// <summary>None: TLB entries carry no guest tag, so every switch between guests (and, for hardware-assisted
    /// guests, every VM entry and exit) flushes them. Vpid (a new host's): each guest's entries carry its
    /// virtual-processor identifier and survive.</summary>
    [Parameter]
    [PSDefaultValue(Help = "unchanged (Vpid on a new host)")]
    public TlbTagging? TlbTagging { get; set; }

    /// <summary>Guest instructions a vCPU runs before the host may give its physical CPU to another guest (1 to
    /// 2^32; a new host's is 50,000).</summary>
    [Parameter]
    [PSDefaultValue(Help = "unchanged (50,000 on a new host)")]
    public long? Quantum { get; set; }

    /// <summary>Where device backends run (the driver model): Autonomous (in the hypervisor), Hybrid (in a service domain,
    /// Xen's Dom0: a domain switch per request) or Hosted (in the host OS: a world switch per request).</summary>
    [Parameter]
    [PSDefaultValue(Help = "unchanged (Hosted on a Type2 host, Autonomous on a Type1)")]
    public IoModel? IoModel { get; set; }

    /// <summary>Writes each changed host to the pipeline.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        Engine.Costs.CostModel? model;
        // Resolve the model once, before any host changes, so a bad one changes nothing.
        try { model = CostModelArgument.Resolve(this, CostProfile, CostModel); }
        catch (VirtPSException e) { WriteError(Errors.From(e)); return; }
        var targets = ParameterSetName == HostSet ? VHost : LabNames.Match(this, Name, LabNames.Hosts);
        foreach (var h in targets.ToList())
        {
            if (!ShouldProcess(h.Name, "Change host")) continue;
            try
            {
                var geometry = Geometry(h.TlbConfiguration);
                h.Update(Type, PhysicalCpus, model, TlbTagging, Quantum, geometry, IoModel);
            }
            catch (VirtPSException e) { WriteError(Errors.From(e)); continue; }
            if (PassThru) WriteObject(h);
        }
    }
}
