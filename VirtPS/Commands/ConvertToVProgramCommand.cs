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

    /// <summary>The assembly source. Several strings (as arguments or from the pipeline) are joined with newlines
    /// into one source, so Get-Content output assembles as a whole.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = TextSet)]
    [AllowEmptyString]
    public string[] Text { get; set; } = [];

    /// <summary>The path of a source file. PowerShell paths are resolved, so relative paths and drives such as
    /// Temp: work; a missing file is FileNotFound.</summary>
    [Parameter(Mandatory = true, ParameterSetName = PathSet)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    /// <summary>Symbols defined before assembly, like nasm -D, as a hashtable of names and integers: @{ ITER = 1000
    /// }. A value that is not an integer is an InvalidDefine error.</summary>
    [Parameter]
    public Hashtable? Define { get; set; }

    /// <summary>The guest-physical address the program is assembled for and loaded at. The default is 0x100000,
    /// where New-VGuest -Bare loads images; use 0x40000000, the user base, for a program New-VGuest runs as a user
    /// process under the built-in kernel.</summary>
    [Parameter]
    [PSDefaultValue(Help = "0x100000")]
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
