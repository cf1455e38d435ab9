using System.Management.Automation;
using VirtPS.Engine.Guests;

namespace VirtPS.Commands;

/// <summary>Reads a guest's registers: RAX–R15, RIP, RFLAGS (with the set flags by name), FS and GS bases.</summary>
[Cmdlet(VerbsCommon.Get, "VRegister")]
[OutputType(typeof(VRegisters))]
public sealed class GetVRegisterCommand : PSCmdlet
{
    /// <summary>The guests to read: guest objects (usually piped; a step result's guest binds by property name), names
    /// or wildcard patterns, one register set each. A name that matches no guest fails parameter binding with a GuestNotFound error inside.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [GuestTransformation]
    [ArgumentCompleter(typeof(GuestNameCompleter))]
    [SupportsWildcards]
    [AllowEmptyCollection]
    [ValidateNotNull]
    public Guest[] Guest { get; set; } = [];

    protected override void ProcessRecord()
    {
        foreach (var g in Guest) WriteObject(new VRegisters(g));
    }
}
