using System.Collections;
using System.Management.Automation;
using VirtPS.Engine.Guests;
using VirtPS.Engine.Network;

namespace VirtPS;

/// <summary>
/// Lets a name parameter (-Network, -Guest of the network cmdlets, -From, -To) take the object as well:
/// a guest becomes its name, a network its name. Strings pass through. Adapters are left alone, so an
/// adapter piped to a cmdlet with an -Adapter parameter binds there.
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
