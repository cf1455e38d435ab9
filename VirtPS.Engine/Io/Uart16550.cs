using System.Text;

namespace VirtPS.Engine.Io;

/// <summary>
/// A 16550-style UART (the PC's COM1 at 0x3F8), register-level: THR/RBR, IER, IIR/FCR, LCR, MCR, LSR, MSR,
/// SCR, and the divisor latch behind LCR.DLAB. Transmitted bytes go to the console; bytes sent to the guest
/// wait in the receive FIFO until it reads them. (Register map: National Semiconductor PC16550D data sheet.)
/// </summary>
public sealed class Uart16550 : IPortDevice
{
    public const ushort Com1 = 0x3F8;
    const byte LsrDataReady = 0x01, LsrThrEmpty = 0x20, LsrTransmitterEmpty = 0x40, LcrDlab = 0x80;

    readonly ushort _base;
    readonly StringBuilder _output = new();
    readonly Queue<byte> _input = new();
    byte _ier, _lcr, _mcr, _scr, _dll = 1, _dlm;

    public Uart16550(ushort basePort = Com1) { _base = basePort; }

    /// <summary>Everything the guest has transmitted, as text (Latin-1, one char per byte).</summary>
    public string Output => _output.ToString();
    public int OutputLength => _output.Length;
    public string OutputFrom(int start) => _output.ToString(start, _output.Length - start);

    /// <summary>Queues bytes for the guest to receive.</summary>
    public void Receive(ReadOnlySpan<byte> bytes) { foreach (var b in bytes) _input.Enqueue(b); }

    public ulong In(ushort port, int size) => (port - _base) switch
    {
        0 when (_lcr & LcrDlab) != 0 => (ulong)_dll,
        0 => _input.Count > 0 ? _input.Dequeue() : 0UL,
        1 when (_lcr & LcrDlab) != 0 => _dlm,
        1 => _ier,
        2 => (ulong)(_input.Count > 0 && (_ier & 1) != 0 ? 0xC4 : 0xC1),   // FIFOs on; 0x04 = data available, 0x01 = none pending
        3 => _lcr,
        4 => _mcr,
        5 => (ulong)(LsrThrEmpty | LsrTransmitterEmpty | (_input.Count > 0 ? LsrDataReady : 0)),
        6 => 0xB0,   // CTS, DSR, DCD: a cable is attached
        _ => _scr,
    };

    public void Out(ushort port, int size, ulong value)
    {
        byte v = (byte)value;
        switch (port - _base)
        {
            case 0 when (_lcr & LcrDlab) != 0: _dll = v; break;
            case 0: _output.Append((char)v); break;
            case 1 when (_lcr & LcrDlab) != 0: _dlm = v; break;
            case 1: _ier = (byte)(v & 0x0F); break;
            case 2: break;   // FCR: FIFOs are always on here
            case 3: _lcr = v; break;
            case 4: _mcr = (byte)(v & 0x1F); break;
            case 7: _scr = v; break;
        }
    }
}
