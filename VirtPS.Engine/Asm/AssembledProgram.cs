namespace VirtPS.Engine.Asm;

/// <summary>One line of an assembly listing: where it landed and what it became.</summary>
public sealed record ListingLine(int Line, ulong Address, byte[] Bytes, string Source);

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

/// <summary>An error in assembly source, with the 1-based line and column where it was found.</summary>
public sealed class AssemblyException : Exception
{
    public AssemblyException(int line, int column, string message)
        : base($"line {line}, column {column}: {message}")
    { Line = line; Column = column; Detail = message; }
    public int Line { get; }
    public int Column { get; }
    /// <summary>What was wrong or expected, without the position.</summary>
    public string Detail { get; }
}
