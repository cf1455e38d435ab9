using System.Collections;
using System.Management.Automation;
using System.Text;
using VirtPS.Engine;
using VirtPS.Engine.Asm;
using VirtPS.Engine.Guests;

namespace VirtPS.Commands;

/// <summary>Assembles x86-64 source text (NASM syntax) into a <see cref="VProgram"/>.</summary>
[Cmdlet(VerbsData.ConvertTo, "VProgram", DefaultParameterSetName = TextSet)]
[OutputType(typeof(VProgram))]
public sealed class ConvertToVProgramCommand : PSCmdlet
{
    const string TextSet = "Text";
    const string PathSet = "Path";

    /// <summary>Source text. Strings piped in are joined into one source, line by line, like <c>Get-Content</c> output.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = TextSet)]
    [AllowEmptyString]
    public string[] Text { get; set; } = [];

    /// <summary>A source file; PowerShell paths (PSDrives, relative paths) are resolved.</summary>
    [Parameter(Mandatory = true, ParameterSetName = PathSet)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    /// <summary>Symbols defined before assembly, like <c>nasm -D</c>: <c>@{ ITER = 1000 }</c>.</summary>
    [Parameter]
    public Hashtable? Define { get; set; }

    /// <summary>Guest-physical address the program is assembled for and loaded at (default 0x100000).</summary>
    [Parameter]
    public ulong Origin { get; set; } = Guest.DefaultLoadAddress;

    readonly StringBuilder _source = new();

    protected override void ProcessRecord()
    {
        if (ParameterSetName == TextSet)
            foreach (var line in Text) _source.Append(line).Append('\n');
    }

    protected override void EndProcessing()
    {
        string? file = null;
        string source;
        if (ParameterSetName == PathSet)
        {
            try
            {
                file = GetResolvedProviderPathFromPSPath(Path, out _).FirstOrDefault();
            }
            catch (ItemNotFoundException)
            {
                file = null;
            }
            if (file is null || !File.Exists(file))
            {
                WriteError(Errors.Create(ErrorIds.FileNotFound, ErrorKind.ObjectNotFound, $"Cannot find the source file '{Path}'.", Path));
                return;
            }
            source = File.ReadAllText(file);
        }
        else source = _source.ToString();

        try
        {
            var program = AsmBridge.Assemble(source, AsmBridge.Defines(Define), Origin);
            WriteObject(new VProgram(program, file));
        }
        catch (AssemblyException e) { WriteError(Errors.From(e, file)); }
        catch (VirtPSException e) { WriteError(Errors.From(e)); }
    }
}
