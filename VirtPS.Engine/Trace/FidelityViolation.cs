namespace VirtPS.Engine.Trace;

/// <summary>One silent divergence (Robin &amp; Irvine): the instruction, where, what the deprivileged guest
/// got, and what real hardware at CPL 0 would have given it.</summary>
public sealed record FidelityViolation(string Instruction, ulong Rip, long AtInstruction, string Got, string Expected);
