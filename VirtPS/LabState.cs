using System.Management.Automation.Runspaces;
using System.Runtime.CompilerServices;
using VirtPS.Engine.Guests;
using VirtPS.Engine.Network;

namespace VirtPS;

/// <summary>
/// One <see cref="Lab"/> and one <see cref="NetworkWorld"/> per runspace, so <c>ForEach-Object -Parallel</c> and
/// background runspaces never share guests or networks. Both live as long as their runspace does.
/// </summary>
public static class LabState
{
    static readonly ConditionalWeakTable<Runspace, Lab> Labs = new();
    static readonly Lab Detached = new();
    static readonly ConditionalWeakTable<Runspace, NetworkWorld> Worlds = new();
    static readonly NetworkWorld DetachedWorld = new();

    /// <summary>The lab of the runspace running on this thread.</summary>
    public static Lab Current =>
        Runspace.DefaultRunspace is { } rs ? Labs.GetValue(rs, _ => new Lab()) : Detached;

    /// <summary>The network world (host, LAN, internet, virtual networks) of the runspace running on this thread.</summary>
    public static NetworkWorld Network =>
        Runspace.DefaultRunspace is { } rs ? Worlds.GetValue(rs, _ => new NetworkWorld()) : DetachedWorld;
}
