namespace VirtPS.Engine.Io.Net;

/// <summary>
/// An NE2000-class network card: a National Semiconductor DP8390 network interface controller (DP8390D data sheet) with
/// 16 KiB of buffer memory at 0x4000-0x7FFF, reached only by remote DMA through the board's data port, and a station
/// address PROM at buffer address 0. Ports from <see cref="Base"/>: 0x00-0x0F the DP8390's registers in the page the
/// command register selects, 0x10 the data port (8 or 16 bits a transfer, as DCR.WTS says), 0x1F the board reset.
/// Transmit: the driver copies a frame into buffer pages by remote write, sets TPSR and TBCR, and issues TXP. Receive:
/// a frame is stored in the ring PSTART..PSTOP at CURR behind a 4-byte header (receive status, next page, byte count),
/// and the driver frees ring pages by moving BNRY. Interrupts: ISR bits enabled in IMR raise the IRQ.
/// </summary>
public sealed class Ne2000 : IPortDevice
{
    public const ushort DefaultBase = 0x300;
    public const int DefaultIrq = 10;
    public const int PortCount = 0x20;
    public const int DataPort = 0x10, ResetPort = 0x1F;
    /// <summary>Buffer memory: 16 KiB at 0x4000 (pages 0x40-0x7F), as on the NE2000.</summary>
    public const int MemoryStart = 0x4000, MemoryEnd = 0x8000;

    // Command register (DP8390D, "Command Register"): STP, STA, TXP, remote DMA command RD2-0, page select PS1-0.
    public const byte CrStop = 0x01, CrStart = 0x02, CrTransmit = 0x04, CrRemoteRead = 0x08, CrRemoteWrite = 0x10, CrAbortDma = 0x20;
    // Interrupt status register bits.
    public const byte IsrPrx = 0x01, IsrPtx = 0x02, IsrRxe = 0x04, IsrTxe = 0x08, IsrOvw = 0x10, IsrCnt = 0x20, IsrRdc = 0x40, IsrRst = 0x80;
    // Receive configuration: accept broadcast, multicast, promiscuous; receive status: packet received intact.
    public const byte RcrAb = 0x04, RcrAm = 0x08, RcrPro = 0x10, RsrPrx = 0x01, TsrPtx = 0x01;
    const byte DcrWts = 0x01;

    readonly byte[] _mem = new byte[MemoryEnd];
    readonly byte[] _mac;
    byte _cr = CrStop | CrAbortDma, _pstart = 0x46, _pstop = 0x80, _bnry = 0x46, _tpsr = 0x40, _isr = IsrRst, _imr, _rcr, _tcr, _dcr, _curr = 0x47;
    byte _rsr, _tsr;
    ushort _tbcr, _rsar, _rbcr;
    readonly byte[] _mar = new byte[8];

    public Ne2000(ReadOnlySpan<byte> mac, ushort ioBase = DefaultBase)
    {
        if (mac.Length != 6) throw new ArgumentException("A station address is 6 bytes.", nameof(mac));
        _mac = mac.ToArray();
        Base = ioBase;
        // The NE2000's address PROM as a byte-wide read sees it: each byte doubled, and 0x57 0x57 ('W') at 14-15.
        for (int k = 0; k < 12; k++) _mem[k] = _mac[k / 2];
        _mem[28] = _mem[29] = _mem[30] = _mem[31] = 0x57;
    }

    public ushort Base { get; }
    /// <summary>The station address (PROM), which the driver copies into PAR0-5.</summary>
    public ReadOnlySpan<byte> Mac => _mac;
    /// <summary>Called with each frame the card transmits.</summary>
    public Action<byte[]>? Transmit { get; set; }
    /// <summary>Called when an interrupt-enabled ISR bit is set.</summary>
    public Action? Interrupt { get; set; }

    public long FramesSent { get; private set; }
    public long FramesReceived { get; private set; }
    public long BytesSent { get; private set; }
    public long BytesReceived { get; private set; }
    /// <summary>Frames dropped: the card stopped, the address filter, or a full ring (ISR.OVW).</summary>
    public long FramesDropped { get; private set; }
    public long RegisterAccesses { get; private set; }

    public void Attach(PortBus ports) => ports.Map(Base, PortCount, this);
    public void Detach(PortBus ports) => ports.Unmap(Base, PortCount);

    bool Started => (_cr & (CrStop | CrStart)) == CrStart;
    int Page => _cr >> 6;

    public ulong In(ushort port, int size)
    {
        RegisterAccesses++;
        int r = port - Base;
        if (r == ResetPort) { Reset(); return 0; }
        if (r == DataPort)
        {
            ulong v = ReadRemote();
            if (size >= 2) v |= (ulong)ReadRemote() << 8;
            return v;
        }
        if (r >= 0x10) return 0xFF;
        if (r == 0) return _cr;
        return Page switch
        {
            0 => r switch
            {
                3 => _bnry,
                4 => _tsr,
                7 => _isr,
                8 => (byte)_rsar,
                9 => (byte)(_rsar >> 8),
                0x0C => _rsr,
                _ => 0,
            },
            1 => r switch
            {
                >= 1 and <= 6 => Par(r - 1),
                7 => _curr,
                _ => _mar[r - 8],
            },
            2 => r switch
            {
                1 => _pstart, 2 => _pstop, 4 => _tpsr, 0x0C => _rcr, 0x0D => _tcr, 0x0E => _dcr, 0x0F => _imr,
                _ => 0,
            },
            _ => 0,
        };
    }

    readonly byte[] _par = new byte[6];
    byte Par(int k) => _par[k];

    public void Out(ushort port, int size, ulong value)
    {
        RegisterAccesses++;
        int r = port - Base;
        byte b = (byte)value;
        if (r == ResetPort) { Reset(); return; }
        if (r == DataPort)
        {
            WriteRemote(b);
            if (size >= 2) WriteRemote((byte)(value >> 8));
            return;
        }
        if (r >= 0x10) return;
        if (r == 0) { Command(b); return; }
        switch (Page)
        {
            case 0:
                switch (r)
                {
                    case 1: _pstart = b; break;
                    case 2: _pstop = b; break;
                    case 3: _bnry = b; break;
                    case 4: _tpsr = b; break;
                    case 5: _tbcr = (ushort)((_tbcr & 0xFF00) | b); break;
                    case 6: _tbcr = (ushort)((_tbcr & 0x00FF) | b << 8); break;
                    case 7: _isr &= (byte)~b; break;   // writing 1 clears the bit
                    case 8: _rsar = (ushort)((_rsar & 0xFF00) | b); break;
                    case 9: _rsar = (ushort)((_rsar & 0x00FF) | b << 8); break;
                    case 0x0A: _rbcr = (ushort)((_rbcr & 0xFF00) | b); break;
                    case 0x0B: _rbcr = (ushort)((_rbcr & 0x00FF) | b << 8); break;
                    case 0x0C: _rcr = b; break;
                    case 0x0D: _tcr = b; break;
                    case 0x0E: _dcr = b; break;
                    case 0x0F: _imr = (byte)(b & 0x7F); SignalIfDue(0); break;
                }
                break;
            case 1:
                if (r <= 6) _par[r - 1] = b;
                else if (r == 7) _curr = b;
                else _mar[r - 8] = b;
                break;
        }
    }

    void Command(byte b)
    {
        _cr = (byte)(b & ~CrTransmit);
        if ((b & CrStop) != 0) { _cr &= unchecked((byte)~CrStart); return; }
        if ((b & CrTransmit) != 0 && (b & CrStart) != 0) Send();
    }

    void Send()
    {
        int at = _tpsr << 8, n = _tbcr;
        if (at < MemoryStart || at + n > MemoryEnd || n == 0) { _tsr = 0; Set(IsrTxe); return; }
        var frame = _mem.AsSpan(at, n).ToArray();
        FramesSent++; BytesSent += n;
        _tsr = TsrPtx;
        Transmit?.Invoke(frame);
        Set(IsrPtx);
    }

    byte ReadRemote()
    {
        byte v = _rsar < _mem.Length ? _mem[_rsar] : (byte)0xFF;
        AdvanceRemote();
        return v;
    }

    void WriteRemote(byte v)
    {
        if (_rsar >= MemoryStart && _rsar < MemoryEnd) _mem[_rsar] = v;
        AdvanceRemote();
    }

    void AdvanceRemote()
    {
        if (_rbcr == 0) return;
        _rsar++;
        // A remote read crossing PSTOP wraps to PSTART, so the driver can read a packet that wrapped in the ring.
        if (_rsar == _pstop << 8 && (_cr & 0x38) == CrRemoteRead) _rsar = (ushort)(_pstart << 8);
        if (--_rbcr == 0) Set(IsrRdc);
    }

    /// <summary>A frame from the wire: stored in the receive ring if the card is started, the address filter passes it
    /// and the ring has room; otherwise dropped (a full ring sets ISR.OVW). Returns whether it was stored.</summary>
    public bool Receive(ReadOnlySpan<byte> frame)
    {
        if (!Started || frame.Length < 14 || !Accepts(frame)) { FramesDropped++; return false; }
        int ringPages = _pstop - _pstart;
        if (ringPages <= 0) { FramesDropped++; return false; }
        int total = frame.Length + 4, pages = (total + 255) / 256;
        // Pages free between CURR and BNRY (BNRY is the first page the driver has not yet taken back).
        int free = (_bnry - _curr + ringPages) % ringPages;
        if (free == 0) free = ringPages;
        if (pages >= free) { FramesDropped++; Set(IsrOvw); return false; }
        int next = _curr + pages;
        if (next >= _pstop) next -= ringPages;
        int addr = _curr << 8;
        Span<byte> header = [RsrPrx, (byte)next, (byte)total, (byte)(total >> 8)];
        foreach (var x in header) { _mem[addr] = x; addr = Wrap(addr + 1); }
        foreach (var x in frame) { _mem[addr] = x; addr = Wrap(addr + 1); }
        _curr = (byte)next;
        _rsr = RsrPrx;
        FramesReceived++; BytesReceived += frame.Length;
        Set(IsrPrx);
        return true;
    }

    int Wrap(int addr) => addr >= _pstop << 8 ? _pstart << 8 : addr;

    bool Accepts(ReadOnlySpan<byte> frame)
    {
        if ((_rcr & RcrPro) != 0) return true;
        bool group = (frame[0] & 1) != 0;
        if (group)
        {
            bool broadcast = frame[..6].SequenceEqual(stackalloc byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF });
            return broadcast ? (_rcr & RcrAb) != 0 : (_rcr & RcrAm) != 0;
        }
        return frame[..6].SequenceEqual(_par);
    }

    void Set(byte bits)
    {
        byte before = _isr;
        _isr |= bits;
        SignalIfDue(before);
    }

    /// <summary>Raises the interrupt when an enabled ISR bit is newly set (the INT line going active).</summary>
    void SignalIfDue(byte before)
    {
        if ((_isr & _imr & ~before) != 0) Interrupt?.Invoke();
    }

    void Reset()
    {
        _cr = CrStop | CrAbortDma;
        _isr = IsrRst;
        _imr = 0; _rbcr = 0; _tbcr = 0; _dcr = 0; _rcr = 0; _tcr = 0;
    }
}
