namespace VirtPS.Engine.Cpu;

/// <summary>Model-specific registers this processor implements (Intel SDM Vol. 4).</summary>
public enum Msr : uint
{
    Tsc = 0x10,
    ApicBase = 0x1B,
    Efer = 0xC000_0080,
    Star = 0xC000_0081,
    Lstar = 0xC000_0082,
    Cstar = 0xC000_0083,
    Fmask = 0xC000_0084,
    FsBase = 0xC000_0100,
    GsBase = 0xC000_0101,
    KernelGsBase = 0xC000_0102,
    TscAux = 0xC000_0103,
}
