namespace VirtPS.Engine.Kvm;

/// <summary>Where a guest's instructions execute: the VirtPS simulator, or the host's processor through KVM.</summary>
public enum ExecutionBackend
{
    /// <summary>The engine's own x86-64 (interpreter and block translator), under the guest's virtualization style.</summary>
    Simulator,
    /// <summary>Real hardware virtualization: the Linux kernel's KVM runs the guest on the host's CPU (see <see cref="KvmVirtualMachine"/>).</summary>
    Kvm,
}
