namespace VirtPS.Engine.Library;

/// <summary>One imported function as the image's import directory names it: by name (with its hint) or by ordinal,
/// and the RVA of its import address table slot (PE/COFF specification, "The .idata Section").</summary>
public sealed record PeImport(string Dll, string? Name, ushort Hint, ushort? Ordinal, uint IatRva)
{
    /// <summary>The name as Get-VImport and the unimplemented-function message show it: the function's name, or #ordinal.</summary>
    public string Display => Name ?? $"#{Ordinal}";
}
