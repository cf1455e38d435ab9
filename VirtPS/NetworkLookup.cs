using System.Management.Automation;
using VirtPS.Engine;
using VirtPS.Engine.Network;

namespace VirtPS;

/// <summary>Name and wildcard lookups of virtual networks shared by the network cmdlets.</summary>
internal static class NetworkLookup
{
    public static ErrorRecord NotFound(string name) =>
        Errors.Create(ErrorIds.NetworkNotFound, ErrorKind.ObjectNotFound, $"No network named '{name}' exists.", name);

    /// <summary>The networks matching each name or pattern; a plain name matching nothing writes NetworkNotFound.</summary>
    public static IEnumerable<VirtualNetwork> Match(Cmdlet cmdlet, IEnumerable<string> names)
    {
        var all = LabState.Network.Networks.OrderBy(n => n.Name, StringComparer.OrdinalIgnoreCase).ToList();
        foreach (var name in names)
        {
            var pattern = WildcardPattern.Get(name, WildcardOptions.IgnoreCase);
            var matches = all.Where(n => pattern.IsMatch(n.Name)).ToList();
            if (matches.Count == 0 && !WildcardPattern.ContainsWildcardCharacters(name)) cmdlet.WriteError(NotFound(name));
            foreach (var n in matches) yield return n;
        }
    }

    /// <summary>A guest's name from a -Guest/-From/-To value: a Guest object or a string.</summary>
    public static string EndpointName(object? value) => (value is PSObject p ? p.BaseObject : value) switch
    {
        VirtPS.Engine.Guests.Guest g => g.Name,
        null => "",
        var o => o.ToString() ?? "",
    };
}
