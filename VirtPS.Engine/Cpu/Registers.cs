namespace VirtPS.Engine.Cpu;

/// <summary>General-purpose registers in their x86-64 encoding order (Intel SDM Vol. 2, Table 2-2).</summary>
public enum Gpr
{
    Rax, Rcx, Rdx, Rbx, Rsp, Rbp, Rsi, Rdi, R8, R9, R10, R11, R12, R13, R14, R15,
}

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

/// <summary>
/// An exception raised by guest code and recorded as a guest event: the vector, the error code if the
/// vector has one, the faulting instruction's address and bytes, and (for #PF) the faulting address.
/// </summary>
public sealed record GuestException(ExceptionVector Vector, ulong? ErrorCode, ulong Rip, byte[] Bytes, ulong? FaultAddress, string Description)
{
    public string Mnemonic => "#" + Vector;
    /// <summary>For a triple fault: the exceptions in the order they were raised (the last one could not be delivered).</summary>
    public IReadOnlyList<ExceptionVector> Chain { get; init; } = [];
    public override string ToString() =>
        $"{Mnemonic} at 0x{Rip:X}" + (Bytes.Length > 0 ? $" ({Convert.ToHexString(Bytes).ToLowerInvariant()})" : "")
        + (FaultAddress is { } a ? $", address 0x{a:X}" : "") + (Description.Length > 0 ? $": {Description}" : "");
}
