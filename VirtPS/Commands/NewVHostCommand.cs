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

    /// <summary>The host's name, unique in the runspace.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = "";

    /// <summary>Type1 (on the hardware, the default) or Type2 (hosted by an operating system).</summary>
    [Parameter]
    public HypervisorType Type { get; set; } = HypervisorType.Type1;

    /// <summary>The number of physical CPUs, 1 or more (default 1).</summary>
    [Parameter]
    public int PhysicalCpus { get; set; } = 1;

    /// <summary>A built-in cost profile by name (default Modern).</summary>
    [Parameter(ParameterSetName = ProfileSet)]
    [ArgumentCompleter(typeof(CostProfileNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string? CostProfile { get; set; }

    /// <summary>A cost model object (from Get-VCostModel) or the path of a cost model JSON file.</summary>
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
