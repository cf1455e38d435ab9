using System.Management.Automation.Runspaces;
using System.Runtime.CompilerServices;
using VirtPS.Engine.Guests;

namespace VirtPS;

/// <summary>
/// One <see cref="Lab"/> per runspace, so <c>ForEach-Object -Parallel</c> and background runspaces never
/// share guests. The lab lives as long as its runspace does.
/// </summary>
public static class LabState
{
    static readonly ConditionalWeakTable<Runspace, Lab> Labs = new();
    static readonly Lab Detached = new();

    /// <summary>The lab of the runspace running on this thread.</summary>
    public static Lab Current =>
        Runspace.DefaultRunspace is { } rs ? Labs.GetValue(rs, _ => new Lab()) : Detached;
}
