using System.Runtime.InteropServices;

namespace VirtPS.Engine.Kvm;

/// <summary>
/// The few C library calls the KVM backend needs, by P/Invoke (no helper binary, no package): the file and
/// memory calls KVM's API is made of, and the signal calls that let a watchdog kick a vCPU out of KVM_RUN.
/// Constants are Linux x86-64's (asm-generic/fcntl.h, mman-common.h, errno-base.h; glibc's sigset_t).
/// </summary>
internal static unsafe class LibC
{
    const string Lib = "libc";

    public const int O_RDWR = 2, O_CLOEXEC = 0x80000;
    public const int PROT_READ = 1, PROT_WRITE = 2;
    public const int MAP_SHARED = 1, MAP_PRIVATE = 2, MAP_ANONYMOUS = 0x20, MAP_NORESERVE = 0x4000;
    public const int EPERM = 1, ENOENT = 2, EINTR = 4, ENXIO = 6, EAGAIN = 11, EACCES = 13, ENODEV = 19;
    public const int SIG_BLOCK = 0, SIG_UNBLOCK = 1;
    /// <summary>glibc's sigset_t is 1024 bits; the kernel's (what KVM_SET_SIGNAL_MASK takes) is 64.</summary>
    public const int SigsetBytes = 128, KernelSigsetBytes = 8;
    public static readonly nint MapFailed = -1;

    [DllImport(Lib, SetLastError = true, EntryPoint = "open")]
    public static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport(Lib, SetLastError = true, EntryPoint = "close")]
    public static extern int Close(int fd);

    /// <summary>ioctl(2) with a pointer (or integer) argument; KVM's requests take one or none.</summary>
    [DllImport(Lib, SetLastError = true, EntryPoint = "ioctl")]
    public static extern int Ioctl(int fd, ulong request, nint arg);

    [DllImport(Lib, SetLastError = true, EntryPoint = "mmap")]
    public static extern nint Mmap(nint addr, nuint length, int prot, int flags, int fd, long offset);

    [DllImport(Lib, SetLastError = true, EntryPoint = "munmap")]
    public static extern int Munmap(nint addr, nuint length);

    /// <summary>Which pages of a mapping are resident: the guest's touched pages, when memory is copied back.</summary>
    [DllImport(Lib, SetLastError = true, EntryPoint = "mincore")]
    public static extern int Mincore(nint addr, nuint length, byte* vec);

    [DllImport(Lib, SetLastError = true, EntryPoint = "pread")]
    public static extern nint Pread(int fd, byte* buf, nuint count, long offset);

    [DllImport(Lib, EntryPoint = "getpid")]
    public static extern int GetPid();

    [DllImport(Lib, EntryPoint = "gettid")]
    public static extern int GetTid();

    [DllImport(Lib, SetLastError = true, EntryPoint = "tgkill")]
    public static extern int Tgkill(int tgid, int tid, int sig);

    [DllImport(Lib, SetLastError = true, EntryPoint = "pthread_sigmask")]
    public static extern int PthreadSigmask(int how, byte* set, byte* oldset);

    /// <summary>Takes a pending signal of <paramref name="set"/> without running any handler (timeout zero: poll).</summary>
    [DllImport(Lib, SetLastError = true, EntryPoint = "sigtimedwait")]
    public static extern int Sigtimedwait(byte* set, byte* info, Timespec* timeout);

    [DllImport(Lib, EntryPoint = "strerror")]
    static extern nint StrError(int errnum);

    public struct Timespec { public long Seconds, Nanoseconds; }

    public static int Errno => Marshal.GetLastPInvokeError();

    public static string Describe(int errno) => $"{Marshal.PtrToStringUTF8(StrError(errno)) ?? "error"} (errno {errno})";

    /// <summary>Sets or clears signal <paramref name="sig"/> in a sigset (bit sig-1, as the kernel numbers them).</summary>
    public static void SigSet(byte* set, int sig, bool on)
    {
        int bit = sig - 1;
        if (on) set[bit >> 3] |= (byte)(1 << (bit & 7));
        else set[bit >> 3] &= (byte)~(1 << (bit & 7));
    }

    public static bool SigIsSet(byte* set, int sig) => (set[(sig - 1) >> 3] & (1 << ((sig - 1) & 7))) != 0;
}
