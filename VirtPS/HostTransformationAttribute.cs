using System.Management.Automation;

namespace VirtPS;

/// <summary>
/// The one way a <c>-VHost</c> parameter takes its argument: host objects, names and wildcard patterns
/// (<see cref="LabNames"/>). A plain name that matches nothing fails binding with a HostNotFound (ObjectNotFound) error
/// inside. With <see cref="Single"/> (a parameter that takes one host) a pattern must match exactly one host, else
/// HostNotFound or AmbiguousHost.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class HostTransformationAttribute : ArgumentTransformationAttribute
{
    /// <summary>The parameter takes one host.</summary>
    public bool Single { get; set; }

    public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData) =>
        LabNames.Transform(inputData, LabNames.Hosts, LabNames.HostNotFound, Single, "host");
}
