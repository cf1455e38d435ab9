using System.Collections;
using System.Management.Automation;
using VirtPS.Engine.Guests;
using VirtPS.Engine.Network;

namespace VirtPS;

/// <summary>
/// Lets a name parameter take the object as well: -Network, and the endpoints the network engine resolves itself
/// (-From, -To, -Node, and Add-VPortForward's -Guest, the forward's destination), which may be a guest, 'host', a
/// simulated machine or an address. A guest becomes its name, a network its name; strings pass through. Adapters are
/// left alone, so an adapter piped to a cmdlet with an -Adapter parameter binds there. Parameters that target guests or
/// hosts use <see cref="GuestTransformationAttribute"/> and <see cref="HostTransformationAttribute"/> instead.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class NameTransformationAttribute : ArgumentTransformationAttribute
{
    public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
    {
        object? value = Unwrap(inputData);
        return value switch
        {
            string => value,
            IList list => list.Cast<object?>().Select(o => Name(Unwrap(o))).ToArray(),
            _ => Name(value),
        };
    }

    static object? Unwrap(object? o) => o is PSObject p ? p.BaseObject : o;

    static object? Name(object? o) => o switch
    {
        Guest g => g.Name,
        VirtualNetwork n => n.Name,
        _ => o,
    };
}
