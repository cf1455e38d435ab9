namespace VirtPS.Engine.Cpu;

/// <summary>RFLAGS bits (Intel SDM Vol. 1, 3.4.3).</summary>
[Flags]
public enum RFlags : ulong
{
    None = 0,
    CF = 1UL << 0,
    Reserved1 = 1UL << 1,
    PF = 1UL << 2,
    AF = 1UL << 4,
    ZF = 1UL << 6,
    SF = 1UL << 7,
    TF = 1UL << 8,
    IF = 1UL << 9,
    DF = 1UL << 10,
    OF = 1UL << 11,
    IOPL = 3UL << 12,
    NT = 1UL << 14,
    RF = 1UL << 16,
    VM = 1UL << 17,
    AC = 1UL << 18,
    VIF = 1UL << 19,
    VIP = 1UL << 20,
    ID = 1UL << 21,
    /// <summary>The six arithmetic status flags.</summary>
    Status = CF | PF | AF | ZF | SF | OF,
}
