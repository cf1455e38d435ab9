namespace VirtPS.Engine.Library;

/// <summary>One import of a loaded PE and what the loader bound it to: Get-VImport's row. Its IAT slot
/// holds <see cref="BoundTo"/>: the translation layer's function, or a stub that stops the program naming the import.</summary>
public sealed record ImportBinding(string Dll, string Name, ushort Hint, ushort? Ordinal, ulong IatAddress, ulong BoundTo, bool Implemented)
{
    /// <summary>What the slot is bound to, in words: the layer's function (its label) or "unimplemented".</summary>
    public string Binding => Implemented ? TranslationLayer.Label(Dll, Name) : "unimplemented";
}
