
namespace VirtPS.Engine.Kvm;

/// <summary>
/// The KVM backend's entry points: is KVM usable, which guests may run on it, and its error ids. A guest runs
/// on KVM through <see cref="KvmVirtualMachine.Create(Machine, VirtualizationStyle, bool, string, bool)"/> (or Guest.CreateKvm).
/// </summary>
public static class KvmBackend
{
    public const string DefaultDevicePath = "/dev/kvm";
    /// <summary>Error id: KVM cannot be used here (no device, no permission, not Linux on x86-64, missing capability).</summary>
    public const string KvmUnavailableErrorId = ErrorIds.KvmUnavailable;
    /// <summary>Error id: the guest's virtualization style has no meaning on real hardware virtualization.</summary>
    public const string BackendUnsupportedStyleErrorId = ErrorIds.BackendUnsupportedStyle;

    /// <summary>Styles a KVM guest can have: the guest runs unmodified at its own privilege levels, which is what
    /// Native and HardwareAssisted describe; the others are software techniques the simulator models.</summary>
    public static IReadOnlyList<VirtualizationStyle> SupportedStyles { get; } = [VirtualizationStyle.Native, VirtualizationStyle.HardwareAssisted];

    /// <summary>Capabilities the backend cannot work without (KVM_CHECK_EXTENSION), with what each is for.</summary>
    static readonly (int Cap, string Name, string Use)[] Required =
    [
        (KvmIoctl.CapUserMemory, "KVM_CAP_USER_MEMORY", "guest memory in the VMM's own buffer"),
        (KvmIoctl.CapExtCpuid, "KVM_CAP_EXT_CPUID", "KVM_SET_CPUID2, to give the guest VirtPS's CPUID"),
        (KvmIoctl.CapImmediateExit, "KVM_CAP_IMMEDIATE_EXIT", "stopping a guest at its time budget or on cancellation"),
        (KvmIoctl.CapX86UserSpaceMsr, "KVM_CAP_X86_USER_SPACE_MSR", "serving the local APIC and PMU MSRs with VirtPS's models"),
        (KvmIoctl.CapX86MsrFilter, "KVM_CAP_X86_MSR_FILTER", "deflecting the MSRs VirtPS models to the VMM"),
    ];

    /// <summary>Checks that KVM is usable at <paramref name="devicePath"/>, without throwing.</summary>
    public static KvmAvailability Probe(string devicePath = DefaultDevicePath)
    {
        try
        {
            int fd = OpenDevice(devicePath, out int version);
            LibC.Close(fd);
            return new KvmAvailability(true, devicePath, "KVM is available", version);
        }
        catch (VirtPSException e) when (e.ErrorId == KvmUnavailableErrorId)
        {
            return new KvmAvailability(false, devicePath, e.Message, null);
        }
    }

    /// <summary>Refuses (BackendUnsupportedStyle) a style that cannot run on KVM.</summary>
    public static void CheckStyle(VirtualizationStyle style)
    {
        if (!SupportedStyles.Contains(style))
            throw new VirtPSException(BackendUnsupportedStyleErrorId, ErrorKind.InvalidArgument,
                $"Style '{style}' cannot run on the KVM backend: under KVM the guest runs directly on the host's processor with hardware virtualization, which is what {string.Join(" and ", SupportedStyles)} describe. {style} is a software technique only the simulator can show; use -Backend Simulator for it.", style);
    }

    /// <summary>Opens the KVM device, checks the API version and the capabilities this backend needs; returns the
    /// open fd. Throws KvmUnavailable with the reason.</summary>
    internal static int OpenDevice(string devicePath, out int apiVersion)
    {
        apiVersion = 0;
        if (!OperatingSystem.IsLinux())
            throw Unavailable(devicePath, "KVM is part of the Linux kernel, and this host runs " + System.Runtime.InteropServices.RuntimeInformation.OSDescription + ".");
        if (System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture != System.Runtime.InteropServices.Architecture.X64)
            throw Unavailable(devicePath, "VirtPS guests are x86-64, and this host's processor is " + System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture + ".");
        int fd = LibC.Open(devicePath, LibC.O_RDWR | LibC.O_CLOEXEC);
        if (fd < 0)
        {
            int errno = LibC.Errno;
            throw Unavailable(devicePath, errno switch
            {
                LibC.ENOENT => $"{devicePath} does not exist: the kernel has no KVM (load kvm_intel or kvm_amd), or this is a virtual machine without nested virtualization.",
                LibC.EACCES or LibC.EPERM => $"no permission to open {devicePath}: add the user to its group (usually 'kvm') or run as root.",
                LibC.ENXIO or LibC.ENODEV => $"{devicePath} has no driver behind it: the processor's virtualization extensions are off or in use by another hypervisor.",
                _ => $"cannot open {devicePath}: {LibC.Describe(errno)}.",
            });
        }
        try
        {
            apiVersion = LibC.Ioctl(fd, KvmIoctl.GetApiVersion, 0);
            if (apiVersion != KvmIoctl.ApiVersion)
                throw Unavailable(devicePath, apiVersion < 0
                    ? $"{devicePath} is not a KVM device (KVM_GET_API_VERSION failed: {LibC.Describe(LibC.Errno)})."
                    : $"{devicePath} speaks KVM API version {apiVersion}; this backend needs {KvmIoctl.ApiVersion}.");
            var missing = Required.Where(r => LibC.Ioctl(fd, KvmIoctl.CheckExtension, r.Cap) <= 0).ToList();
            if (missing.Count > 0)
                throw Unavailable(devicePath, "this kernel's KVM lacks " + string.Join("; ", missing.Select(m => $"{m.Name} ({m.Use})")) + ".");
            return fd;
        }
        catch
        {
            LibC.Close(fd);
            throw;
        }
    }

    internal static VirtPSException Unavailable(string devicePath, string reason) =>
        new(KvmUnavailableErrorId, ErrorKind.InvalidOperation, "The KVM backend is not available: " + reason, devicePath);
}
