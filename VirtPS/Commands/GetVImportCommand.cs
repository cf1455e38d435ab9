using System.Management.Automation;
using VirtPS.Engine;
using VirtPS.Engine.Guests;
using VirtPS.Engine.Library;

namespace VirtPS.Commands;

/// <summary>Lists a Library guest's imports: one object per function its PE imports, in import-directory order, with
/// its DLL, name (or #ordinal), IAT slot address and what the loader bound it to: the translation layer's function, or
/// a stub that stops the program naming it (unimplemented).</summary>
[Cmdlet(VerbsCommon.Get, "VImport")]
[OutputType(typeof(ImportBinding))]
public sealed class GetVImportCommand : PSCmdlet
{
    /// <summary>The guests whose imports to list: guest objects (usually piped), names or wildcard patterns; each must run
    /// under -Style Library (else NotLibraryGuest). A name that matches no guest fails parameter binding with a
    /// GuestNotFound error inside.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [GuestTransformation]
    [ArgumentCompleter(typeof(GuestNameCompleter))]
    [SupportsWildcards]
    [AllowEmptyCollection]
    [ValidateNotNull]
    public Guest[] Guest { get; set; } = [];

    protected override void ProcessRecord()
    {
        foreach (var g in Guest)
        {
            if (g.PeImage is not { } image)
            {
                WriteError(Errors.Create(ErrorIds.NotLibraryGuest, ErrorKind.InvalidOperation,
                    $"Guest '{g.Name}' runs under {g.Style}; only Library guests have a PE and imports.", g));
                continue;
            }
            foreach (var import in image.Imports) WriteObject(import);
        }
    }
}
