using System.Management.Automation;
using VirtPS.Engine;
using VirtPS.Engine.Guests;
using VirtPS.Engine.Memory;

namespace VirtPS.Commands;

/// <summary>Translates a guest-virtual address as the hardware would walk it now (GVA → GPA → HPA), listing every
/// memory reference of the walk; the guest is left untouched.</summary>
[Cmdlet(VerbsCommon.Get, "VTranslation")]
[OutputType(typeof(AddressTranslation))]
public sealed class GetVTranslationCommand : PSCmdlet
{
    /// <summary>The guests whose address to translate: guest objects (usually piped), names or wildcard patterns.
    /// A name that matches no guest fails parameter binding with a GuestNotFound error inside.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [GuestTransformation]
    [ArgumentCompleter(typeof(GuestNameCompleter))]
    [SupportsWildcards]
    [AllowEmptyCollection]
    [ValidateNotNull]
    public Guest[] Guest { get; set; } = [];

    /// <summary>The guest-virtual (linear) address to translate.</summary>
    [Parameter(Mandatory = true, Position = 1)]
    public ulong Address { get; set; }

    /// <summary>The access to check: Read (the default), Write or Execute. A write to a read-only page or a fetch
    /// from a no-execute page is a protection #PF.</summary>
    [Parameter]
    public AccessKind Access { get; set; } = AccessKind.Read;

    protected override void ProcessRecord()
    {
        foreach (var g in Guest)
        {
            try { WriteObject(g.Translate(Address, Access)); }
            catch (VirtPSException e) { WriteError(Errors.From(e)); }
        }
    }
}
