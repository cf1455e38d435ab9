using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using VirtPS.Engine.Memory;

namespace VirtPS.Engine.Cpu;

/// <summary>A guest exception in flight: thrown by the instruction that raises it, caught by the run loop.</summary>
internal sealed class GuestFault(ExceptionVector vector, ulong? errorCode = null, ulong? address = null, string detail = "",
    bool software = false) : Exception(detail)
{
    public ExceptionVector Vector { get; } = vector;
    /// <summary>Raised by INT n, INT3 or INTO: a trap (the instruction retires, the handler returns after it)
    /// that is subject to the gate's DPL check.</summary>
    public bool Software { get; } = software;
    public ulong? ErrorCode { get; } = errorCode;
    public ulong? Address { get; } = address;
    public string Detail { get; } = detail;
}
