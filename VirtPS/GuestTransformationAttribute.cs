using System.Management.Automation;

namespace VirtPS;

/// <summary>
/// The one way a <c>-Guest</c> parameter takes its argument, in every cmdlet that targets guests: guest objects, names
/// and wildcard patterns, from the command line or the pipeline (<see cref="LabNames"/>). A pattern that matches nothing
/// gives no guests; a plain name that matches nothing fails binding with a GuestNotFound (ObjectNotFound) error inside.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class GuestTransformationAttribute : ArgumentTransformationAttribute
{
    public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData) =>
        LabNames.Transform(inputData, LabNames.Guests, LabNames.GuestNotFound, single: false, "guest");
}
