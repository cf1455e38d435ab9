namespace VirtPS.Engine.Cpu;

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
