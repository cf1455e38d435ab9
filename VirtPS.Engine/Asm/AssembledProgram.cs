namespace VirtPS.Engine.Asm;

/// <summary>The result of assembling a source text: a flat image loaded at <see cref="Origin"/>.</summary>
public sealed class AssembledProgram
{
    public AssembledProgram(byte[] bytes, ulong origin, ulong entryPoint,
        IReadOnlyDictionary<string, ulong> symbols, IReadOnlyList<ListingLine> listing)
    {
        Bytes = bytes; Origin = origin; EntryPoint = entryPoint; Symbols = symbols; Listing = listing;
    }
    public byte[] Bytes { get; }
    public ulong Origin { get; }
    /// <summary>The first byte of the image unless a <c>_start</c> or <c>start</c> label says otherwise.</summary>
    public ulong EntryPoint { get; }
    public IReadOnlyDictionary<string, ulong> Symbols { get; }
    public IReadOnlyList<ListingLine> Listing { get; }
}
