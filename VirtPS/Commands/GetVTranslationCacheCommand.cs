using System.Management.Automation;
using VirtPS.Engine;
using VirtPS.Engine.Cpu;
using VirtPS.Engine.Guests;
using VirtPS.Engine.Styles;

namespace VirtPS.Commands;

/// <summary>Lists a BinaryTranslation guest's translation cache: one object per live translated block, with its
/// guest instructions, its translated form (callouts by name), executions, and whether it was compiled.</summary>
[Cmdlet(VerbsCommon.Get, "VTranslationCache")]
[OutputType(typeof(TranslatedBlock))]
public sealed class GetVTranslationCacheCommand : PSCmdlet
{
    /// <summary>The guest, as an object or a name; it must run under the BinaryTranslation style.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [GuestTransformation]
    [ArgumentCompleter(typeof(GuestNameCompleter))]
    [ValidateNotNull]
    public Guest? Guest { get; set; }

    protected override void ProcessRecord()
    {
        if (Guest!.Vmm is not BinaryTranslation bt)
        {
            WriteError(Errors.Create("NoTranslationCache", ErrorKind.InvalidOperation,
                $"Guest '{Guest.Name}' runs under {Guest.Style}; only BinaryTranslation guests have a translation cache.", Guest));
            return;
        }
        foreach (var block in bt.TranslationCache) WriteObject(block);
    }
}
