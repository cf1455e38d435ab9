using VirtPS.Engine.Cpu;

namespace VirtPS.Engine.Kvm;

/// <summary>One CPUID leaf as installed by KVM_SET_CPUID2.</summary>
public readonly record struct CpuidLeaf(uint Function, uint Eax, uint Ebx, uint Ecx, uint Edx);
