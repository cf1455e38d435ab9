using VirtPS.Engine.Cpu;

namespace VirtPS.Tests.Differential;

/// <summary>
/// The fixed address layout shared by the native host process and the guest. The native executor
/// maps one RWX window at exactly these addresses (MAP_FIXED_NOREPLACE), and the engine's guest uses
/// the same guest-physical addresses, so every pointer, RIP-relative operand and branch target is
/// identical on both sides and nothing has to be translated when comparing.
/// </summary>
internal static class Layout
{
    /// <summary>Start and size of the host window (native side only needs the whole range mapped).</summary>
    public const ulong WindowBase = 0x60000, WindowSize = 0x40000;

    /// <summary>Native only: the register save area the trampoline loads from and stores to.</summary>
    public const ulong StateAddr = 0x60000;
    /// <summary>Native only: the trampoline's prologue (loads state, jumps to <see cref="CodeAddr"/>).</summary>
    public const ulong TrampolineAddr = 0x61000;
    /// <summary>Where the code under test starts, natively and in the guest.</summary>
    public const ulong CodeAddr = 0x62000;
    /// <summary>Room for code under test plus the epilogue (two pages, so code can straddle CodeAddr + 0x1000).</summary>
    public const int CodeMax = 0x2000;

    /// <summary>The data buffer memory operands point into.</summary>
    public const ulong DataAddr = 0x80000, DataSize = 0x4000;
    /// <summary>Middle of the data buffer: the usual base-register value for memory forms.</summary>
    public const ulong DataMid = DataAddr + DataSize / 2;

    /// <summary>The private stack the trampoline switches to; RSP starts at <see cref="StackTop"/>.</summary>
    public const ulong StackTop = 0x98000;
    /// <summary>The part of the stack that is compared (only bytes at or above the lowest RSP seen).</summary>
    public const ulong StackWindowAddr = StackTop - 0x200, StackWindowSize = 0x400;

    /// <summary>Guest memory size for the engine's machine.</summary>
    public const ulong GuestMemory = 1UL << 20;

    /// <summary>
    /// Initial value of every register a vector does not set explicitly (vectors store only the
    /// registers that differ from this table, so it must never change: changing it invalidates
    /// the committed vectors).
    /// </summary>
    public static ulong DefaultGpr(int i) => i == (int)Gpr.Rsp ? StackTop : 0x0123_4567_89AB_CDEFUL * (ulong)(i + 1) ^ 0xA5A5_0000_0000_0000UL;

    /// <summary>Initial content of a byte in the data buffer and the stack window (same rule: never change).</summary>
    public static byte BasePattern(ulong address)
    {
        ulong x = address * 0x9E37_79B9_7F4A_7C15UL;
        return (byte)(x >> 56 ^ x >> 29);
    }

    public static void FillBase(Span<byte> into, ulong address)
    {
        for (int i = 0; i < into.Length; i++) into[i] = BasePattern(address + (ulong)i);
    }

    public static readonly string[] GprNames =
        { "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15" };

    public static int GprIndex(string name) => Array.IndexOf(GprNames, name);
}
