using System.Text;

namespace VirtPS.Engine.Io.Ata;

/// <summary>
/// An ATA disk on the PC's primary IDE channel, register-level, with PIO data transfers: the Command Block at
/// 0x1F0–0x1F7 and the Control Block register at 0x3F6, backed by a raw <see cref="DiskImage"/>. Device 0 (master) only.
/// </summary>
/// <remarks>
/// <para>Sources: T13 ATA/ATAPI-6 (1410D rev 3b) clause 7 (registers), 9 (PIO data-in, PIO data-out and non-data
/// protocols, software reset) and T13 ATA8-ACS (INCITS 452) for the commands and the IDENTIFY DEVICE data; the port map
/// is the IBM PC/AT's (primary channel 0x1F0/0x3F6, IRQ 14).</para>
/// <para>Registers: 0x1F0 Data (16-bit; a 32-bit access moves two words), 0x1F1 Error / Features, 0x1F2 Sector Count,
/// 0x1F3 LBA Low, 0x1F4 LBA Mid, 0x1F5 LBA High, 0x1F6 Device (bit 6 LBA, bit 4 DEV), 0x1F7 Status / Command, 0x3F6
/// Alternate Status / Device Control. Features, Sector Count and the LBA registers are two-deep for the 48-bit commands:
/// a write pushes the current value into the "previous" (HOB) byte; with Device Control HOB set, reads return it; a
/// write to any Command Block register clears HOB (ATA8-ACS 48-bit Address feature set).</para>
/// <para>Commands complete within the OUT that issues them (the image is a host file; there is no seek time to model),
/// so BSY is seen only while SRST is held. PIO data-in (READ SECTORS, IDENTIFY DEVICE): each sector becomes ready with
/// DRQ and an interrupt; after the host reads the last word of the last sector DRQ clears with no further interrupt.
/// PIO data-out (WRITE SECTORS): DRQ without an interrupt for the first sector; each sector is written to the image when
/// its 256th word arrives, then an interrupt (with DRQ again while sectors remain). Non-data (FLUSH CACHE), errors:
/// one interrupt at completion.</para>
/// <para>INTRQ (IRQ 14): a completion sets <see cref="InterruptPending"/>; reading the Status register clears it, reading
/// Alternate Status does not (ATA/ATAPI-6 7.15, 7.2). While Device Control nIEN is set the line stays deasserted
/// (<see cref="Interrupt"/> is not invoked); the pending state is kept, and clearing nIEN while it is pending asserts it.</para>
/// <para>Device 1 is absent. With DEV = 1 selected, device 0 answers as T13 ATA/ATAPI-6 (1410D) clause 9, "Single
/// device configurations: Device 0 only configurations", says (QEMU's hw/ide/core.c does the same for a missing
/// drive): Status and Alternate Status read 00h, commands are ignored, the other registers read and write as device
/// 0's. (0xFF is what a channel with no device at all floats to — the PortBus's unmapped ports; here device 0 is present
/// and drives the bus.)</para>
/// <para>Errors: an unknown command is aborted (ERR, Error ABRT); a sector range beyond the image is IDNF; a WRITE to an
/// image opened read-only is aborted (ABRT, as QEMU reports a write to a read-only drive); a failure of the host file
/// (an <see cref="IOException"/>: the disk full under a sparse image, a file truncated behind the VMM's back) is a device
/// fault: DF, ERR and ABRT, with the exception kept in <see cref="LastHostError"/>. The pending interrupt is also cleared
/// by writing the Command register (ATA/ATAPI-6 5.2.9 INTRQ).</para>
/// <para>IDENTIFY DEVICE word meanings cross-checked with the ATA/ATAPI-7 table reproduced in Maxtor's Quickview 300
/// PATA manual, Table 5-2 (words 82, 83: write cache, FLUSH CACHE (EXT), 48-bit Address).</para>
/// <para>Addressing is LBA only: a READ/WRITE SECTORS issued with the Device register's LBA bit clear (CHS, obsolete in
/// ATA8-ACS) is aborted with ABRT.</para>
/// </remarks>
public sealed class AtaDisk : IPortDevice
{
    public const ushort PrimaryCommandBlock = 0x1F0;
    public const ushort PrimaryControlBlock = 0x3F6;
    public const int PrimaryIrq = 14;
    public const string Model = "VirtPS ATA disk";
    public const string Firmware = "1.0";
    /// <summary>The largest LBA28 capacity (IDENTIFY words 60–61 saturate at 0FFFFFFFh, ATA8-ACS 7.16.7.18).</summary>
    public const long MaxLba28Sectors = 0x0FFF_FFFF;
    const int WordsPerSector = DiskImage.SectorSize / 2;
    const byte DeviceLba = 0x40, DeviceDev = 0x10;

    readonly DiskImage _image;
    readonly string _serial;
    readonly byte[] _buffer = new byte[DiskImage.SectorSize];
    readonly Dictionary<byte, long> _commands = [];

    // Task file: current and previous (HOB) bytes of the 48-bit register pairs.
    byte _features, _featuresHob, _count, _countHob, _lbaLow, _lbaLowHob, _lbaMid, _lbaMidHob, _lbaHigh, _lbaHighHob;
    byte _device, _error;
    AtaStatus _status = AtaStatus.Drdy;
    AtaDeviceControl _control;

    // The transfer in progress.
    enum Transfer { None, In, Out }
    Transfer _transfer;
    int _word;            // next word of _buffer
    long _lba;            // sector in _buffer
    long _remaining;      // sectors left, including the one in _buffer

    public AtaDisk(DiskImage image, string serial = "VPS-0001")
    {
        _image = image ?? throw new ArgumentNullException(nameof(image));
        _serial = serial;
        Signature();
    }

    /// <summary>The image behind the disk.</summary>
    public DiskImage Image => _image;

    /// <summary>Maps the Command Block (0x1F0–0x1F7) and the Control Block register (0x3F6) on <paramref name="bus"/>.</summary>
    public void Attach(PortBus bus)
    {
        bus.Map(PrimaryCommandBlock, 8, this);
        bus.Map(PrimaryControlBlock, 1, this);
    }

    /// <summary>INTRQ asserted (IRQ <see cref="PrimaryIrq"/>): invoked each time the device asserts it while nIEN is clear.</summary>
    public Action? Interrupt { get; set; }
    /// <summary>The device's interrupt is pending: set on completion, cleared by reading the Status register or a reset.</summary>
    public bool InterruptPending { get; private set; }
    /// <summary>The INTRQ line: pending and not masked by nIEN.</summary>
    public bool Intrq => InterruptPending && (_control & AtaDeviceControl.NIen) == 0;

    // Counters for the VMM.
    /// <summary>Every IN and OUT that reached one of the disk's registers.</summary>
    public long RegisterAccesses { get; private set; }
    public long SectorsRead { get; private set; }
    public long SectorsWritten { get; private set; }
    /// <summary>Bytes moved through the Data register, both directions (IDENTIFY data included).</summary>
    public long BytesTransferred { get; private set; }
    /// <summary>Commands written to the Command register while device 0 was selected, by code (unknown codes too).</summary>
    public IReadOnlyDictionary<byte, long> Commands => _commands;
    /// <summary>Times INTRQ was asserted (<see cref="Interrupt"/> invocations, whether or not anyone listens).</summary>
    public long Interrupts { get; private set; }
    /// <summary>Commands ended by a host file failure (Status DF).</summary>
    public long HostErrors { get; private set; }
    /// <summary>The last host file failure, or null.</summary>
    public Exception? LastHostError { get; private set; }

    bool Device1Selected => (_device & DeviceDev) != 0;
    bool HobRead => (_control & AtaDeviceControl.Hob) != 0;

    /// <summary>A register read. At the Data register a 1-byte access still moves a whole word (its low byte is returned);
    /// a 4-byte access moves two.</summary>
    public ulong In(ushort port, int size)
    {
        RegisterAccesses++;
        if (port == PrimaryControlBlock) return Device1Selected ? 0UL : (ulong)_status;   // Alternate Status: no side effect
        switch (port - PrimaryCommandBlock)
        {
            case 0:
                return size == 4 ? ReadWord() | ((ulong)ReadWord() << 16) : size == 2 ? ReadWord() : ReadWord() & 0xFFUL;
            case 1: return _error;
            case 2: return HobRead ? _countHob : _count;
            case 3: return HobRead ? _lbaLowHob : _lbaLow;
            case 4: return HobRead ? _lbaMidHob : _lbaMid;
            case 5: return HobRead ? _lbaHighHob : _lbaHigh;
            case 6: return _device;
            default:
                if (Device1Selected) return 0;
                InterruptPending = false;
                return (ulong)_status;
        }
    }

    public void Out(ushort port, int size, ulong value)
    {
        RegisterAccesses++;
        byte v = (byte)value;
        if (port == PrimaryControlBlock) { WriteDeviceControl(v); return; }
        int reg = port - PrimaryCommandBlock;
        if (reg != 0) _control &= ~AtaDeviceControl.Hob;
        switch (reg)
        {
            case 0:
                if (size == 4) { WriteWord((ushort)value); WriteWord((ushort)(value >> 16)); }
                else WriteWord((ushort)value);
                break;
            case 1: _featuresHob = _features; _features = v; break;
            case 2: _countHob = _count; _count = v; break;
            case 3: _lbaLowHob = _lbaLow; _lbaLow = v; break;
            case 4: _lbaMidHob = _lbaMid; _lbaMid = v; break;
            case 5: _lbaHighHob = _lbaHigh; _lbaHigh = v; break;
            case 6: _device = v; break;
            default:
                if (!Device1Selected && (_control & AtaDeviceControl.Srst) == 0) Execute(v);
                break;
        }
    }

    void WriteDeviceControl(byte v)
    {
        var old = _control;
        _control = (AtaDeviceControl)(v & (byte)(AtaDeviceControl.NIen | AtaDeviceControl.Srst | AtaDeviceControl.Hob));
        if ((_control & AtaDeviceControl.Srst) != 0)
        {
            // Held in reset: BSY, the transfer abandoned, no interrupt pending (ATA/ATAPI-6 9.2 software reset protocol).
            _status = AtaStatus.Bsy; _transfer = Transfer.None; InterruptPending = false;
        }
        else if ((old & AtaDeviceControl.Srst) != 0)
            Signature();   // SRST released: diagnostics pass, the signature is posted, BSY clears; no interrupt.
        else if ((old & AtaDeviceControl.NIen) != 0 && (_control & AtaDeviceControl.NIen) == 0 && InterruptPending)
            AssertIntrq();
    }

    /// <summary>The state after a reset: the ATA signature (ATA8-ACS "Signatures for reset and EXECUTE DEVICE
    /// DIAGNOSTIC": Sector Count 01h, LBA Low 01h, LBA Mid 00h, LBA High 00h, Device 00h), Error 01h (device 0 passed),
    /// Status DRDY.</summary>
    void Signature()
    {
        _count = _lbaLow = 1; _lbaMid = _lbaHigh = 0; _device = 0;
        _countHob = _lbaLowHob = _lbaMidHob = _lbaHighHob = _features = _featuresHob = 0;
        _error = 0x01;
        _status = AtaStatus.Drdy;
        _transfer = Transfer.None;
    }

    /// <summary>Told of each command the device starts and each sector it moves (the VMM prices its device model's work by them).</summary>
    public Action? CommandStarted { get; set; }
    public Action? SectorMoved { get; set; }

    void Execute(byte code)
    {
        _commands[code] = _commands.GetValueOrDefault(code) + 1;
        CommandStarted?.Invoke();
        _transfer = Transfer.None;
        _error = 0;
        InterruptPending = false;   // writing the Command register clears a pending interrupt
        Guarded(() => Run(code));
    }

    void Run(byte code)
    {
        switch ((AtaCommand)code)
        {
            case AtaCommand.IdentifyDevice:
                var id = Identify();
                for (int k = 0; k < id.Length; k++) { _buffer[2 * k] = (byte)id[k]; _buffer[2 * k + 1] = (byte)(id[k] >> 8); }
                _remaining = 1;
                StartDataIn();
                break;
            case AtaCommand.ReadSectors or AtaCommand.WriteSectors when (_device & DeviceLba) == 0:
                Abort(AtaError.Abrt);   // CHS addressing is not implemented (obsolete in ATA8-ACS)
                break;
            case AtaCommand.ReadSectors or AtaCommand.ReadSectorsExt or AtaCommand.WriteSectors or AtaCommand.WriteSectorsExt:
            {
                bool ext = (AtaCommand)code is AtaCommand.ReadSectorsExt or AtaCommand.WriteSectorsExt;
                long lba = ext
                    ? (long)_lbaHighHob << 40 | (long)_lbaMidHob << 32 | (long)_lbaLowHob << 24 | (long)_lbaHigh << 16 | (long)_lbaMid << 8 | _lbaLow
                    : (long)(_device & 0x0F) << 24 | (long)_lbaHigh << 16 | (long)_lbaMid << 8 | _lbaLow;
                long count = ext ? (_countHob << 8 | _count) : _count;
                if (count == 0) count = ext ? 65536 : 256;   // a count of zero means the maximum
                if (lba + count > _image.Sectors) { Abort(AtaError.Idnf); break; }
                bool read = (AtaCommand)code is AtaCommand.ReadSectors or AtaCommand.ReadSectorsExt;
                if (!read && _image.ReadOnly) { Abort(AtaError.Abrt); break; }
                _lba = lba; _remaining = count;
                if (read)
                {
                    LoadSector();
                    StartDataIn();
                }
                else
                {
                    _transfer = Transfer.Out; _word = 0;
                    _status = AtaStatus.Drdy | AtaStatus.Drq;   // the first sector is requested without an interrupt
                }
                break;
            }
            case AtaCommand.FlushCache or AtaCommand.FlushCacheExt:
                _image.Flush();
                Complete(AtaStatus.Drdy);
                break;
            default:
                Abort(AtaError.Abrt);
                break;
        }
    }

    void LoadSector()
    {
        _image.Read(_lba, _buffer);
        SectorsRead++;
        SectorMoved?.Invoke();
    }

    void StartDataIn()
    {
        _transfer = Transfer.In; _word = 0;
        Complete(AtaStatus.Drdy | AtaStatus.Drq);
    }

    void Abort(AtaError error)
    {
        _error = (byte)error;
        Complete(AtaStatus.Drdy | AtaStatus.Err);
    }

    void Complete(AtaStatus status)
    {
        _status = status;
        InterruptPending = true;
        if ((_control & AtaDeviceControl.NIen) == 0) AssertIntrq();
    }

    void AssertIntrq()
    {
        Interrupts++;
        Interrupt?.Invoke();
    }

    /// <summary>Runs a step of a transfer that touches the image; a host file failure ends the command with DF.</summary>
    void Guarded(Action step)
    {
        try { step(); }
        catch (IOException e)
        {
            HostErrors++; LastHostError = e;
            _transfer = Transfer.None;
            _error = (byte)AtaError.Abrt;
            Complete(AtaStatus.Drdy | AtaStatus.Df | AtaStatus.Err);
        }
    }

    ushort ReadWord()
    {
        if (_transfer != Transfer.In) return 0;
        ushort w = (ushort)(_buffer[2 * _word] | _buffer[2 * _word + 1] << 8);
        BytesTransferred += 2;
        if (++_word < WordsPerSector) return w;
        if (--_remaining == 0)
        {
            _transfer = Transfer.None;
            _status = AtaStatus.Drdy;   // the last word read: DRQ clears, no interrupt
        }
        else
        {
            _lba++;
            Guarded(() => { LoadSector(); StartDataIn(); });
        }
        return w;
    }

    void WriteWord(ushort w)
    {
        if (_transfer != Transfer.Out) return;
        _buffer[2 * _word] = (byte)w; _buffer[2 * _word + 1] = (byte)(w >> 8);
        BytesTransferred += 2;
        if (++_word < WordsPerSector) return;
        Guarded(() =>
        {
            _image.Write(_lba, _buffer);
            SectorsWritten++;
            SectorMoved?.Invoke();
            _lba++; _word = 0;
            if (--_remaining == 0) { _transfer = Transfer.None; Complete(AtaStatus.Drdy); }
            else Complete(AtaStatus.Drdy | AtaStatus.Drq);
        });
    }

    /// <summary>
    /// The 256-word IDENTIFY DEVICE data (ATA8-ACS 7.16.7, Table "IDENTIFY DEVICE data"). Strings are ASCII, space
    /// padded, two characters per word with the first in the high byte.
    /// </summary>
    public ushort[] Identify()
    {
        var w = new ushort[256];
        long sectors = _image.Sectors;
        w[0] = 0x0040;                                  // bit 15 = 0: ATA device; bit 6: fixed (not removable)
        PutString(w, 10, 10, _serial);                  // words 10-19 serial number (20 chars)
        PutString(w, 23, 4, Firmware);                  // words 23-26 firmware revision (8 chars)
        PutString(w, 27, 20, Model);                    // words 27-46 model number (40 chars)
        w[47] = 0x8000;                                 // bits 15:8 shall be 80h; 7:0 = 0: READ/WRITE MULTIPLE not supported
        w[49] = 0x0200;                                 // bit 9: LBA supported
        w[50] = 0x4000;                                 // bit 14 shall be one
        w[53] = 0x0002;                                 // bit 1: words 64-70 are valid
        uint lba28 = (uint)Math.Min(sectors, MaxLba28Sectors);
        w[60] = (ushort)lba28; w[61] = (ushort)(lba28 >> 16);   // total user addressable sectors (LBA28)
        w[64] = 0x0003;                                 // PIO modes 3 and 4 supported
        w[65] = w[66] = w[67] = w[68] = 120;            // cycle times in ns (PIO mode 4)
        w[80] = 0x01E0;                                 // major version: ATA/ATAPI-5, -6, -7, ATA8-ACS
        w[82] = 0x0020;                                 // bit 5: volatile write cache supported
        w[83] = 0x7400;                                 // bit 14 = 1, 13 FLUSH CACHE EXT, 12 FLUSH CACHE, 10 48-bit Address
        w[84] = 0x4000;                                 // bit 14 shall be one
        w[85] = 0x0020;                                 // write cache enabled (the host OS page cache; FLUSH makes it durable)
        w[86] = 0x3400;                                 // enabled: 13 FLUSH CACHE EXT, 12 FLUSH CACHE, 10 48-bit Address
        w[87] = 0x4000;                                 // bit 14 shall be one
        ulong lba48 = (ulong)sectors;
        for (int k = 0; k < 4; k++) w[100 + k] = (ushort)(lba48 >> (16 * k));   // words 100-103: total LBA48 sectors
        w[106] = 0x4000;                                // word valid: one 512-byte logical sector per physical sector
        // Word 255 integrity: bits 7:0 A5h, bits 15:8 the checksum making the 512 bytes sum to zero (mod 256).
        int sum = 0xA5;
        for (int k = 0; k < 255; k++) sum += (w[k] & 0xFF) + (w[k] >> 8);
        w[255] = (ushort)((-sum & 0xFF) << 8 | 0xA5);
        return w;
    }

    static void PutString(ushort[] words, int first, int count, string text)
    {
        var bytes = Encoding.ASCII.GetBytes(text.PadRight(count * 2)[..(count * 2)]);
        for (int k = 0; k < count; k++) words[first + k] = (ushort)(bytes[2 * k] << 8 | bytes[2 * k + 1]);
    }
}
