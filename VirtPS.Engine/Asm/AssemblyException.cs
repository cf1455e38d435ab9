namespace VirtPS.Engine.Asm;

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
