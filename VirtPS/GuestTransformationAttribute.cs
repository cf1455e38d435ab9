using System.Collections;
using System.Management.Automation;
using VirtPS.Engine;
using VirtPS.Engine.Guests;

namespace VirtPS;

/// <summary>
/// Lets a <c>-Guest</c> parameter take a guest's name as well as the guest: a string is looked up in the
/// runspace's lab; an unknown name fails binding with a GuestNotFound inner error.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class GuestTransformationAttribute : ArgumentTransformationAttribute
{
    public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
    {
        object? value = inputData is PSObject p ? p.BaseObject : inputData;
        return value switch
        {
            string name => Resolve(name),
            IList list when list.Cast<object?>().Any(IsString) =>
                list.Cast<object?>().Select(o => IsString(o) ? Resolve((string)Unwrap(o)!) : o).ToArray(),
            _ => inputData,
        };
    }

    static object? Unwrap(object? o) => o is PSObject p ? p.BaseObject : o;
    static bool IsString(object? o) => Unwrap(o) is string;

    static Guest Resolve(string name)
    {
        if (LabState.Current.TryGet(name, out var guest)) return guest;
        var inner = new VirtPSException("GuestNotFound", ErrorKind.ObjectNotFound, $"No guest named '{name}' exists.", name);
        throw new ArgumentTransformationMetadataException(inner.Message, inner);
    }
}
