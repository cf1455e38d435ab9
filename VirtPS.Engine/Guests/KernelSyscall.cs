using System.Collections.Concurrent;
using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;
using VirtPS.Engine.Asm;

namespace VirtPS.Engine.Guests;

/// <summary>
/// The built-in kernel's system calls: number in RAX, arguments in RDI, RSI, RDX, result in RAX
/// (-1 on error); SYSCALL clobbers RCX and R11 as usual. A fault the kernel does not resolve (anything but
/// a first touch of mmap'd memory or a #DE on a register DIV) kills the process with a console line
/// <c>virtps: pid N killed by #GP(0) at rip 0x...</c>.
/// </summary>
public enum KernelSyscall
{
    /// <summary>Ends the calling process; the kernel halts after the last one, printing its summary.</summary>
    Exit = 0,
    /// <summary>write(buffer, length): bytes to the serial console.</summary>
    Write = 1,
    /// <summary>The caller's process id (1, 2, ...).</summary>
    GetPid = 2,
    /// <summary>Gives the CPU to the next runnable process (round-robin).</summary>
    Yield = 3,
    /// <summary>mmap(length): reserves pages at the heap's end; each is mapped on its first touch (#PF).</summary>
    Mmap = 4,
    /// <summary>mprotect(address, length, protection): bit 1 of protection = writable; rewrites the PTEs and INVLPGs each page.</summary>
    Mprotect = 5,
    /// <summary>Fork-like: an eager copy of every user page into a new address space; 0 in the child, its pid in the parent.</summary>
    Spawn = 6,
    /// <summary>wait(pid): yields until that process has exited, then frees its frames.</summary>
    Wait = 7,
    /// <summary>inb(port, count): the kernel reads the port count times for the caller; only 0x80 is allowed.</summary>
    InByte = 8,
    /// <summary>setcr8(value, count): the kernel writes CR8 (the task-priority class) count times, alternating value and value^1.</summary>
    SetCr8 = 9,
    /// <summary>callret(count): the kernel makes count call/ret pairs.</summary>
    CallRet = 10,
    /// <summary>ptemod(address, count): the kernel flips the R/W bit of the page's PTE count times, then INVLPGs it once.</summary>
    PteMod = 11,
}
