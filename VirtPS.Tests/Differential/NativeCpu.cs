using System.Runtime.InteropServices;
using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

namespace VirtPS.Tests.Differential;

/// <summary>
/// Runs code under test on the host CPU. One RWX window is mapped at the fixed addresses of
/// <see cref="Layout"/> (so host and guest addresses coincide); a trampoline assembled with Iced saves
/// the callee-saved host registers, loads RFLAGS and all 16 GPRs (RSP = the private stack) from the
/// state area, and jumps to the code under test; the epilogue appended after that code stores all
/// GPRs and RFLAGS back and returns to .NET. x86-64 Linux only.
/// </summary>
internal static unsafe class NativeCpu
{
    const int StateRflags = 16 * 8, StateHostRsp = 17 * 8, StateEntry = 18 * 8;

    static readonly object Gate = new();
    static readonly string? FailureReason;
    static readonly byte[] Epilogue = [];

    /// <summary>True when code can run natively here; otherwise <see cref="WhyNot"/> says why.</summary>
    public static bool IsSupported => FailureReason == null;
    public static string WhyNot => FailureReason ?? "";

    static NativeCpu()
    {
        if (RuntimeInformation.ProcessArchitecture != Architecture.X64 || !OperatingSystem.IsLinux())
        {
            FailureReason = $"native execution needs x86-64 Linux (this is {RuntimeInformation.OSDescription}, {RuntimeInformation.ProcessArchitecture})";
            return;
        }
        try
        {
            const int ProtRead = 1, ProtWrite = 2, ProtExec = 4, MapPrivate = 2, MapAnonymous = 0x20, MapFixedNoReplace = 0x100000;
            nint want = (nint)Layout.WindowBase;
            nint got = mmap(want, (nuint)Layout.WindowSize, ProtRead | ProtWrite, MapPrivate | MapAnonymous | MapFixedNoReplace, -1, 0);
            if (got == -1)
            {
                FailureReason = $"mmap at 0x{Layout.WindowBase:X} failed (errno {Marshal.GetLastPInvokeError()})";
                return;
            }
            if (got != want)
            {
                munmap(got, (nuint)Layout.WindowSize);
                FailureReason = $"mmap could not place the window at 0x{Layout.WindowBase:X} (kernel returned 0x{got:X})";
                return;
            }
            var prologue = Assemble(Layout.TrampolineAddr, BuildPrologue);
            new Span<byte>(prologue).CopyTo(new Span<byte>((void*)Layout.TrampolineAddr, prologue.Length));
            Epilogue = Assemble(Layout.CodeAddr, BuildEpilogue);
            if (mprotect(want, (nuint)Layout.WindowSize, ProtRead | ProtWrite | ProtExec) != 0)
            {
                FailureReason = $"mprotect RWX failed (errno {Marshal.GetLastPInvokeError()})";
                return;
            }
        }
        catch (Exception e)
        {
            FailureReason = "native executor setup failed: " + e.Message;
        }
    }

    static readonly AssemblerRegister64[] Regs = [rax, rcx, rdx, rbx, rsp, rbp, rsi, rdi, r8, r9, r10, r11, r12, r13, r14, r15];

    static AssemblerMemoryOperand Slot(int offset) => __qword_ptr[(long)Layout.StateAddr + offset];

    static void BuildPrologue(Assembler a)
    {
        a.push(rbx); a.push(rbp); a.push(r12); a.push(r13); a.push(r14); a.push(r15);
        a.mov(Slot(StateHostRsp), rsp);
        a.push(Slot(StateRflags));
        a.popfq();
        for (int i = 0; i < 16; i++) a.mov(Regs[i], Slot(i * 8));     // RSP too: the private stack
        a.jmp(Slot(StateEntry));                                       // to CodeAddr + the vector's code offset
    }

    static void BuildEpilogue(Assembler a)
    {
        for (int i = 0; i < 16; i++) a.mov(Slot(i * 8), Regs[i]);
        a.mov(rsp, Slot(StateHostRsp));
        a.pushfq();
        a.pop(Slot(StateRflags));
        a.cld();
        a.pop(r15); a.pop(r14); a.pop(r13); a.pop(r12); a.pop(rbp); a.pop(rbx);
        a.ret();
    }

    static byte[] Assemble(ulong ip, Action<Assembler> build)
    {
        var a = new Assembler(64);
        build(a);
        var w = new MemoryStream();
        a.Assemble(new StreamCodeWriter(w), ip);
        return w.ToArray();
    }

    /// <summary>
    /// Runs <paramref name="code"/> natively from <see cref="Layout.CodeAddr"/>, with the data buffer
    /// and stack window reset to <see cref="Layout.BasePattern"/> plus <paramref name="memory"/>.
    /// The code must fall through its end (it is followed by the epilogue); <paramref name="codeOffset"/>
    /// places it at <see cref="Layout.CodeAddr"/> + offset (for instructions that straddle a page).
    /// </summary>
    public static MachineState Run(byte[] code, MachineState input, int codeOffset = 0)
    {
        if (!IsSupported) throw new PlatformNotSupportedException(WhyNot);
        if (codeOffset < 0 || codeOffset + code.Length + Epilogue.Length > Layout.CodeMax) throw new ArgumentException("code too long");
        lock (Gate)
        {
            var data = new Span<byte>((void*)Layout.DataAddr, (int)Layout.DataSize);
            var stack = new Span<byte>((void*)Layout.StackWindowAddr, (int)Layout.StackWindowSize);
            input.Data.CopyTo(data);
            input.Stack.CopyTo(stack);
            var codeSpan = new Span<byte>((void*)(Layout.CodeAddr + (ulong)codeOffset), Layout.CodeMax - codeOffset);
            code.CopyTo(codeSpan);
            Epilogue.CopyTo(codeSpan[code.Length..]);
            ulong* st = (ulong*)Layout.StateAddr;
            st[StateEntry / 8] = Layout.CodeAddr + (ulong)codeOffset;
            for (int i = 0; i < 16; i++) st[i] = input.Gpr[i];
            st[16] = input.Rflags;
            ((delegate* unmanaged<void>)Layout.TrampolineAddr)();
            var output = new MachineState();
            for (int i = 0; i < 16; i++) output.Gpr[i] = st[i];
            output.Rflags = st[16];
            data.CopyTo(output.Data);
            stack.CopyTo(output.Stack);
            return output;
        }
    }

    [DllImport("libc", SetLastError = true)]
    static extern nint mmap(nint addr, nuint length, int prot, int flags, int fd, nint offset);
    [DllImport("libc", SetLastError = true)]
    static extern int mprotect(nint addr, nuint length, int prot);
    [DllImport("libc", SetLastError = true)]
    static extern int munmap(nint addr, nuint length);
}

/// <summary>The architectural state a vector compares: GPRs, RFLAGS, the data buffer and the stack window.</summary>
internal sealed class MachineState
{
    public readonly ulong[] Gpr = new ulong[16];
    public ulong Rflags;
    public readonly byte[] Data = new byte[Layout.DataSize];
    public readonly byte[] Stack = new byte[Layout.StackWindowSize];

    /// <summary>Registers at their defaults, RFLAGS = 0x202, memory at the base pattern.</summary>
    public static MachineState Initial() => Template.Clone();

    static readonly MachineState Template = MakeTemplate();

    static MachineState MakeTemplate()
    {
        var s = new MachineState { Rflags = 0x202 };
        for (int i = 0; i < 16; i++) s.Gpr[i] = Layout.DefaultGpr(i);
        Layout.FillBase(s.Data, Layout.DataAddr);
        Layout.FillBase(s.Stack, Layout.StackWindowAddr);
        return s;
    }

    public MachineState Clone()
    {
        var s = new MachineState { Rflags = Rflags };
        Gpr.CopyTo(s.Gpr, 0); Data.CopyTo(s.Data, 0); Stack.CopyTo(s.Stack, 0);
        return s;
    }

    /// <summary>Writes bytes at a guest address inside the data buffer or the stack window.</summary>
    public void Poke(ulong addr, ReadOnlySpan<byte> bytes)
    {
        if (addr >= Layout.DataAddr && addr + (ulong)bytes.Length <= Layout.DataAddr + Layout.DataSize)
            bytes.CopyTo(Data.AsSpan((int)(addr - Layout.DataAddr)));
        else if (addr >= Layout.StackWindowAddr && addr + (ulong)bytes.Length <= Layout.StackWindowAddr + Layout.StackWindowSize)
            bytes.CopyTo(Stack.AsSpan((int)(addr - Layout.StackWindowAddr)));
        else throw new ArgumentOutOfRangeException(nameof(addr), $"0x{addr:X} is outside the data buffer and the stack window");
    }

    public ReadOnlySpan<byte> Peek(ulong addr, int len) =>
        addr >= Layout.DataAddr && addr + (ulong)len <= Layout.DataAddr + Layout.DataSize
            ? Data.AsSpan((int)(addr - Layout.DataAddr), len)
            : Stack.AsSpan((int)(addr - Layout.StackWindowAddr), len);
}
