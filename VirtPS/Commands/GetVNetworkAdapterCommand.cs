using System.Management.Automation;
using VirtPS.Engine.Guests;
using VirtPS.Engine.Network;

namespace VirtPS.Commands;

/// <summary>Lists guests' network adapters, optionally only those of some guests or on some networks.</summary>
[Cmdlet(VerbsCommon.Get, "VNetworkAdapter")]
[OutputType(typeof(VirtualNic))]
public sealed class GetVNetworkAdapterCommand : PSCmdlet
{
    /// <summary>Only the adapters of these guests: guest objects (usually piped), names or wildcard patterns. A name
    /// that matches no guest fails parameter binding with a GuestNotFound error inside. Every guest's without it.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [GuestTransformation]
    [ArgumentCompleter(typeof(GuestNameCompleter))]
    [SupportsWildcards]
    [AllowEmptyCollection]
    [ValidateNotNull]
    [PSDefaultValue(Help = "every guest's adapters")]
    public Guest[]? Guest { get; set; }

    /// <summary>Only the adapters on these networks (names, wildcard patterns or objects); a plain name that
    /// matches no network is NetworkNotFound.</summary>
    [Parameter]
    [NameTransformation]
    [ArgumentCompleter(typeof(NetworkNameCompleter))]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [PSDefaultValue(Help = "every network")]
    public string[]? Network { get; set; }

    protected override void ProcessRecord()
    {
        var guests = Guest?.Select(g => g.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var networks = (Network ?? ["*"]).Select(p => WildcardPattern.Get(p, WildcardOptions.IgnoreCase)).ToList();
        foreach (var name in Network ?? [])
            if (!WildcardPattern.ContainsWildcardCharacters(name) && !LabState.Network.TryGetNetwork(name, out _))
                WriteError(NetworkLookup.NotFound(name));
        foreach (var nic in LabState.Network.Adapters
                     .Where(n => (guests is null || guests.Contains(n.GuestName)) && networks.Any(p => p.IsMatch(n.Network.Name)))
                     .OrderBy(n => n.GuestName, StringComparer.OrdinalIgnoreCase).ThenBy(n => n.Name, StringComparer.Ordinal))
            WriteObject(nic);
    }
}
