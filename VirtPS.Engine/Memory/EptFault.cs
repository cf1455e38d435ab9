using System.Buffers.Binary;

namespace VirtPS.Engine.Memory;

/// <summary>An EPT-induced VM exit: the guest-physical address, the exit qualification (violations: SDM Vol. 3C,
/// Table 28-7), the level of the entry at fault, and why, in words.</summary>
public readonly record struct EptFault(EptExitKind Kind, ulong Gpa, ulong Qualification, int Level, string Reason);
