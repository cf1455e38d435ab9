using System.Collections.Concurrent;
using VirtPS.Engine.Cpu;

namespace VirtPS.Engine.Kvm;

/// <summary>A CPUID register the host's KVM answers with something other than what KVM_SET_CPUID2 installed.</summary>
public sealed record CpuidOverride(uint Function, char Register, uint Installed, uint GuestReads)
{
    public override string ToString() => $"CPUID.{Function:X}H:E{Register}X (installed 0x{Installed:X8}, the guest reads 0x{GuestReads:X8})";
}
