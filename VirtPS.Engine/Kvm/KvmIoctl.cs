namespace VirtPS.Engine.Kvm;

/// <summary>
/// KVM's ioctl request numbers, computed the way the kernel's headers compute them: the encoding is
/// include/uapi/asm-generic/ioctl.h (_IOC: direction in bits 31:30, argument size in 29:16, type in 15:8,
/// number in 7:0), the numbers and argument structs are include/uapi/linux/kvm.h (KVMIO = 0xAE), and the
/// sizes are those of the layouts in <see cref="KvmAbi"/>. Tests pin each against the header's value.
/// </summary>
public static class KvmIoctl
{
    const uint KvmIo = 0xAE;
    const uint None = 0, Write = 1, Read = 2;

    static ulong Ioc(uint dir, uint nr, int size) => ((ulong)dir << 30) | ((ulong)(uint)size << 16) | (KvmIo << 8) | nr;
    static ulong Io(uint nr) => Ioc(None, nr, 0);
    static ulong Ior(uint nr, int size) => Ioc(Read, nr, size);
    static ulong Iow(uint nr, int size) => Ioc(Write, nr, size);
    static ulong Iowr(uint nr, int size) => Ioc(Read | Write, nr, size);

    // system ioctls (on /dev/kvm)
    public static readonly ulong GetApiVersion = Io(0x00);
    public static readonly ulong CreateVm = Io(0x01);
    public static readonly ulong CheckExtension = Io(0x03);
    public static readonly ulong GetVcpuMmapSize = Io(0x04);
    public static readonly ulong GetSupportedCpuid = Iowr(0x05, KvmAbi.Cpuid2HeaderSize);
    // VM ioctls
    public static readonly ulong CreateVcpu = Io(0x41);
    public static readonly ulong SetUserMemoryRegion = Iow(0x46, KvmAbi.UserspaceMemoryRegionSize);
    public static readonly ulong EnableCap = Iow(0xA3, KvmAbi.EnableCapSize);
    public static readonly ulong X86SetMsrFilter = Iow(0xC6, KvmAbi.MsrFilterSize);
    // vCPU ioctls
    public static readonly ulong Run = Io(0x80);
    public static readonly ulong GetRegs = Ior(0x81, KvmAbi.RegsSize);
    public static readonly ulong SetRegs = Iow(0x82, KvmAbi.RegsSize);
    public static readonly ulong GetSregs = Ior(0x83, KvmAbi.SregsSize);
    public static readonly ulong SetSregs = Iow(0x84, KvmAbi.SregsSize);
    public static readonly ulong Interrupt = Iow(0x86, sizeof(uint));
    public static readonly ulong GetMsrs = Iowr(0x88, KvmAbi.MsrsHeaderSize);
    public static readonly ulong SetMsrs = Iow(0x89, KvmAbi.MsrsHeaderSize);
    public static readonly ulong SetSignalMask = Iow(0x8B, sizeof(uint));
    public static readonly ulong SetCpuid2 = Iow(0x90, KvmAbi.Cpuid2HeaderSize);
    public static readonly ulong GetStatsFd = Io(0xCE);

    /// <summary>Capabilities (KVM_CHECK_EXTENSION / KVM_ENABLE_CAP numbers, include/uapi/linux/kvm.h).</summary>
    public const int CapUserMemory = 3, CapExtCpuid = 7, CapImmediateExit = 136, CapX86UserSpaceMsr = 188,
        CapX86MsrFilter = 189, CapBinaryStatsFd = 203;

    /// <summary>The only API version there has ever been (KVM_API_VERSION).</summary>
    public const int ApiVersion = 12;
}
