using VirtPS.Engine.Memory;

namespace VirtPS.Engine.Cpu;

/// <summary>The processor's architectural state.</summary>
public sealed partial class Processor
{
    internal readonly ulong[] R = new ulong[19];
    internal readonly PhysicalMemory Mem;
    internal Processor(PhysicalMemory mem) { Mem = mem; }
    public ulong Rip { get; set; }
    public ulong Rflags { get; set; } = 2;
    public ulong GetGpr(Gpr r) => R[(int)r];
    public void SetGpr(Gpr r, ulong v) => R[(int)r] = v;
    public ulong FsBase { get => R[17]; set => R[17] = value; }
    public ulong GsBase { get => R[18]; set => R[18] = value; }
}
