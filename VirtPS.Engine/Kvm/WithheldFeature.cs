using VirtPS.Engine.Cpu;

namespace VirtPS.Engine.Kvm;

/// <summary>A feature the simulator's CPUID reports that this host's KVM cannot give the guest, so it was withheld.</summary>
public sealed record WithheldFeature(string Name, uint Function, char Register, int Bit, string Reason);
