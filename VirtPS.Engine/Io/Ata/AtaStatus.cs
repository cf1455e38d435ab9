namespace VirtPS.Engine.Io.Ata;

/// <summary>
/// The Status register (read at 0x1F7; the same bits at Alternate Status, 0x3F6). Bit names from T13 ATA/ATAPI-6
/// (1410D) 7.15 "Status register" and ATA8-ACS: BSY, DRDY, DF (device fault), DRQ (data request), ERR.
/// Bits 4, 2 and 1 are obsolete or command-specific and read as zero here.
/// </summary>
[Flags]
public enum AtaStatus : byte
{
    None = 0,
    Err = 0x01,
    Drq = 0x08,
    Df = 0x20,
    Drdy = 0x40,
    Bsy = 0x80,
}
