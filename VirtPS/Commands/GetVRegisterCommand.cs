using System.Management.Automation;
using VirtPS.Engine.Guests;

namespace VirtPS.Commands;

/// <summary>Reads a guest's registers: RAX–R15, RIP, RFLAGS (with the set flags by name), FS and GS bases.</summary>
[Cmdlet(VerbsCommon.Get, "VRegister")]
[OutputType(typeof(VRegisters))]
public sealed class GetVRegisterCommand : PSCmdlet
{
    /// <summary>The guest, as an object or a name; a step result's guest binds by property name.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [GuestTransformation]
    [ArgumentCompleter(typeof(GuestNameCompleter))]
    [ValidateNotNull]
    public Guest? Guest { get; set; }

    protected override void ProcessRecord() => WriteObject(new VRegisters(Guest!));
}
