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
    /// <summary>The guests whose translation cache to list: guest objects (usually piped), names or wildcard patterns;
    /// each must run under the BinaryTranslation style (else NoTranslationCache). A name that matches no guest fails parameter binding with a GuestNotFound error inside.</summary>
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
            if (g.Vmm.TranslationCache is not { } cache)
            {
                WriteError(Errors.Create(ErrorIds.NoTranslationCache, ErrorKind.InvalidOperation,
                    $"Guest '{g.Name}' runs under {g.Style}; only BinaryTranslation guests have a translation cache.", g));
                continue;
            }
            foreach (var block in cache) WriteObject(block);
        }
    }
}
