using System.Management.Automation;
using VirtPS.Engine.Guests;

namespace VirtPS.Commands;

/// <summary>Measures guests (their lifetime totals) or step results (that one step): instructions, cycles, host time, MIPS.</summary>
[Cmdlet(VerbsDiagnostic.Measure, "VGuest", DefaultParameterSetName = GuestSet)]
[OutputType(typeof(GuestMeasurement))]
public sealed class MeasureVGuestCommand : PSCmdlet
{
    const string GuestSet = "Guest";
    const string StepSet = "Step";

    /// <summary>Guests to measure over their whole life: guest objects (usually piped), names or wildcard patterns.
    /// A name that matches no guest fails parameter binding with a GuestNotFound error inside.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = GuestSet)]
    [GuestTransformation]
    [ArgumentCompleter(typeof(GuestNameCompleter))]
    [SupportsWildcards]
    [AllowEmptyCollection]
    [ValidateNotNull]
    public Guest[] Guest { get; set; } = [];

    /// <summary>Step results from Invoke-VStep, measured one by one: that step only.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = StepSet)]
    [ValidateNotNull]
    public StepResult[] StepResult { get; set; } = [];

    protected override void ProcessRecord()
    {
        if (ParameterSetName == StepSet)
            foreach (var s in StepResult) WriteObject(new GuestMeasurement(s));
        else
            foreach (var g in Guest) WriteObject(g.Measure());
    }
}
