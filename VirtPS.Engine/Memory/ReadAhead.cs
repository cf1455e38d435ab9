namespace VirtPS.Engine.Memory;

/// <summary>What the decoder's read-ahead found: the page's guest-physical address to read (with the access left for
/// when an instruction really crosses over), or the fault it met, to be raised only if one does.</summary>
public readonly record struct ReadAhead(ulong Gpa, bool Deferred, PageFault? Fault);
