using System.Management.Automation;
using VirtPS.Engine;
using VirtPS.Engine.Guests;
using VirtPS.Engine.Jvm;

namespace VirtPS.Commands;

/// <summary>Lists an Application guest's Java methods: class, name, descriptor, whether each runs interpreted or compiled
/// (or is abstract), its invocations so far, and its bytecode, lowered and compiled sizes.</summary>
[Cmdlet(VerbsCommon.Get, "VMethod")]
[OutputType(typeof(JvmMethodInfo))]
public sealed class GetVMethodCommand : PSCmdlet
{
    /// <summary>The guests whose methods to list: guest objects (usually piped), names or wildcard patterns; each must run
    /// under the Application style (else NotApplicationGuest). A name that matches no guest fails parameter binding with
    /// a GuestNotFound error inside.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [GuestTransformation]
    [ArgumentCompleter(typeof(GuestNameCompleter))]
    [SupportsWildcards]
    [AllowEmptyCollection]
    [ValidateNotNull]
    public Guest[] Guest { get; set; } = [];

    /// <summary>Only methods whose name matches this wildcard pattern (for example fib, or get*); the default lists every method.</summary>
    [Parameter(Position = 1)]
    [SupportsWildcards]
    [PSDefaultValue(Help = "every method")]
    public string Name { get; set; } = "*";

    protected override void ProcessRecord()
    {
        var pattern = new WildcardPattern(Name, WildcardOptions.IgnoreCase);
        foreach (var g in Guest)
        {
            try
            {
                foreach (var m in g.JavaMethods())
                    if (pattern.IsMatch(m.Name)) WriteObject(m);
            }
            catch (VirtPSException e) { WriteError(Errors.From(e)); }
        }
    }
}
