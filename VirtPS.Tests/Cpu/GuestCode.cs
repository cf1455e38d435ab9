using Iced.Intel;
using VirtPS.Engine.Cpu;

namespace VirtPS.Tests.Cpu;

/// <summary>What the CPU tests share: code built with Iced's assembler (independent of ours), placed in guest
/// memory, and the system structures (qwords, IDT gates) written the way the SDM lays them out.</summary>
internal static class GuestCode
{
    public static byte[] Assemble(ulong at, Action<Assembler> code)
    {
        var a = new Assembler(64);
        code(a);
        var ms = new MemoryStream();
        a.Assemble(new StreamCodeWriter(ms), at);
        return ms.ToArray();
    }

    public static void Place(Machine m, ulong at, Action<Assembler> code) => m.Memory.Write(at, Assemble(at, code));

    /// <summary>Where <see cref="Boot"/> places code.</summary>
    public const ulong Load = 0x100000;

    /// <summary>A bare machine with <paramref name="code"/> at <see cref="Load"/>, RIP on it and RSP at the top of memory.</summary>
    public static Machine Boot(Action<Assembler> code, ulong memory = 4UL << 20)
    {
        var m = new Machine(memory);
        Place(m, Load, code);
        m.Cpu.Rip = Load;
        m.Cpu.SetGpr(Gpr.Rsp, memory);
        return m;
    }

    public static void Put(Machine m, ulong at, ulong v) => m.Memory.Write(at, BitConverter.GetBytes(v));

    public static ulong Get(Machine m, ulong at) => BitConverter.ToUInt64(m.Memory.Read(at, 8));

    /// <summary>Writes a 64-bit interrupt gate (type 0xE) or trap gate (0xF) for <paramref name="vector"/> (SDM Vol. 3A, Figure 6-8).</summary>
    public static void Gate(Machine m, ulong idt, int vector, ulong handler, int dpl = 0, int type = 0xE, bool present = true, ushort selector = 0x08)
    {
        ulong lo = (handler & 0xFFFF) | ((ulong)selector << 16) | ((ulong)(type | (dpl << 5) | (present ? 0x80 : 0)) << 40) | (((handler >> 16) & 0xFFFF) << 48);
        Put(m, idt + (ulong)vector * 16, lo);
        Put(m, idt + (ulong)vector * 16 + 8, handler >> 32);
    }
}
