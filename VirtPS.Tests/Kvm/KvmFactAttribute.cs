using VirtPS.Engine.Kvm;
using VirtPS.Tests.Asm;
using Xunit;

namespace VirtPS.Tests.Kvm;

/// <summary>A fact that needs a usable KVM (/dev/kvm with permission, the capabilities the backend needs), and
/// optionally the shared benchmark; reported as skipped, with KVM's own reason, where there is none.</summary>
public sealed class KvmFactAttribute : FactAttribute
{
    public KvmFactAttribute(bool needsLoopAsm = false)
    {
        if (KvmTestSupport.Availability is { Available: false } a) Skip = a.Reason;
        else if (needsLoopAsm && (AsmTestSupport.LoopAsmPath is not { } p || !File.Exists(p)))
            Skip = $"shared benchmark not found: {AsmTestSupport.LoopAsmPath ?? "<repo root not found>/../shared/bench/loop.asm"}";
    }
}

/// <summary>A theory that needs a usable KVM.</summary>
public sealed class KvmTheoryAttribute : TheoryAttribute
{
    public KvmTheoryAttribute()
    {
        if (KvmTestSupport.Availability is { Available: false } a) Skip = a.Reason;
    }
}

internal static class KvmTestSupport
{
    /// <summary>Probed once per test run.</summary>
    public static readonly KvmAvailability Availability = KvmBackend.Probe();

    /// <summary>Why kernel tests cannot run here, or null: KVM missing, or a host that cannot run the kernel.</summary>
    public static string? KernelSkipReason => !Availability.Available ? Availability.Reason
        : KvmHostProfile.For() is { CanRunBuiltInKernel: false } h
            ? $"this host's KVM, {h.Implementation}, cannot run the built-in kernel: {h.Divergences[0]} (KvmKernelTests' host-independent facts show what it does instead)"
            : null;
}

/// <summary>A fact that needs a KVM that can run the built-in kernel (its SYSCALL must enter CPL 0; see
/// <see cref="KvmHostProfile"/>); skipped with the host's own reason elsewhere.</summary>
public sealed class KvmKernelFactAttribute : FactAttribute
{
    public KvmKernelFactAttribute() { Skip = KvmTestSupport.KernelSkipReason; }
}

/// <summary>A theory that needs a KVM that can run the built-in kernel.</summary>
public sealed class KvmKernelTheoryAttribute : TheoryAttribute
{
    public KvmKernelTheoryAttribute() { Skip = KvmTestSupport.KernelSkipReason; }
}
