namespace VirtPS.Engine.Asm;

/// <summary>One line of an assembly listing: where it landed and what it became.</summary>
public sealed record ListingLine(int Line, ulong Address, byte[] Bytes, string Source);
