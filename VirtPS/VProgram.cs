using VirtPS.Engine.Asm;

namespace VirtPS;

/// <summary>An assembled program as the module hands it around: a flat image, where it loads, where it starts.</summary>
public sealed class VProgram
{
    internal VProgram(AssembledProgram program, string? path)
    {
        Program = program;
        Path = path;
    }

    /// <summary>The engine's assembled program.</summary>
    public AssembledProgram Program { get; }
    /// <summary>The source file, if the program was read from one.</summary>
    public string? Path { get; }
    public byte[] Bytes => Program.Bytes;
    public int Size => Program.Bytes.Length;
    public ulong Origin => Program.Origin;
    public ulong EntryPoint => Program.EntryPoint;
    public IReadOnlyDictionary<string, ulong> Symbols => Program.Symbols;
    public IReadOnlyList<ListingLine> Listing => Program.Listing;

    public override string ToString() => $"{Size} bytes at 0x{Origin:X}";
}
