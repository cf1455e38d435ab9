namespace VirtPS.Engine.Io.Ata;

/// <summary>
/// The ATA command codes <see cref="AtaDisk"/> executes (written to the Command register, 0x1F7). Codes and names from
/// T13 ATA8-ACS (INCITS 452) Table "Command codes"; the EXT forms are the 48-bit Address feature set's.
/// Any other code is aborted (Error ABRT).
/// </summary>
public enum AtaCommand : byte
{
    ReadSectors = 0x20,
    ReadSectorsExt = 0x24,
    WriteSectors = 0x30,
    WriteSectorsExt = 0x34,
    FlushCache = 0xE7,
    FlushCacheExt = 0xEA,
    IdentifyDevice = 0xEC,
}
