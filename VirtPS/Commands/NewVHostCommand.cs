using System.Management.Automation;
using VirtPS.Engine;
using VirtPS.Engine.Guests;

namespace VirtPS.Commands;

/// <summary>Creates a host (a physical machine with a hypervisor type, CPUs and a cost model) in the current runspace.</summary>
[Cmdlet(VerbsCommon.New, "VHost", DefaultParameterSetName = ProfileSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(VHost))]
public sealed class NewVHostCommand : PSCmdlet
{
    const string ProfileSet = "CostProfile";
    const string ModelSet = "CostModel";

    /// <summary>The host's name: 1 to 64 letters, digits, underscores, hyphens or dots, unique in the runspace
    /// (compared without case). Several names piped in create several hosts.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = "";

    /// <summary>Type1 (the hypervisor runs on the hardware; the default) or Type2 (hosted: the hypervisor runs on
    /// an operating system and switches worlds to reach it).</summary>
    [Parameter]
    public HypervisorType Type { get; set; } = HypervisorType.Type1;

    /// <summary>The number of physical CPUs, 1 to 1024. The default is 1.</summary>
    [Parameter]
    public int PhysicalCpus { get; set; } = 1;

    /// <summary>The name of a built-in cost profile: Modern (the default) or Pentium4-2006. Names complete on
    /// Tab.</summary>
    [Parameter(ParameterSetName = ProfileSet)]
    [ArgumentCompleter(typeof(CostProfileNameCompleter))]
    [ValidateNotNullOrEmpty]
    [PSDefaultValue(Help = "Modern")]
    public string? CostProfile { get; set; }

    /// <summary>A cost model: an object from Get-VCostModel, or the path of a JSON file of the form { "name",
    /// "description", "costs": { "&lt;event&gt;": { "cycles", "source" } } } pricing every event.</summary>
    [Parameter(Mandatory = true, ParameterSetName = ModelSet)]
    [ValidateNotNull]
    public object? CostModel { get; set; }

    protected override void ProcessRecord()
    {
        if (!ShouldProcess(Name, $"Create {Type} host")) return;
        try
        {
            var model = CostModelArgument.Resolve(this, CostProfile, CostModel);
            WriteObject(LabState.Current.AddHost(Name, Type, PhysicalCpus, model));
        }
        catch (VirtPSException e) { WriteError(Errors.From(e)); }
    }
}
