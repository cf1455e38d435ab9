namespace VirtPS.Engine.Io.Ata;

/// <summary>
/// The Device Control register (written at 0x3F6). T13 ATA/ATAPI-6 (1410D) 7.9 and ATA8-ACS: nIEN (bit 1) masks INTRQ,
/// SRST (bit 2) holds the devices in software reset while set, HOB (bit 7) makes reads of the Sector Count and LBA
/// registers return the previously written (high order) byte of the 48-bit pair.
/// </summary>
[Flags]
public enum AtaDeviceControl : byte
{
    None = 0,
    NIen = 0x02,
    Srst = 0x04,
    Hob = 0x80,
}
