namespace VirtPS.Engine.Io.Ata;

/// <summary>
/// The Error register (read at 0x1F1) after a command ends with Status ERR. Bit names from T13 ATA8-ACS
/// "Error field": ABRT (command aborted: unknown command or bad parameter), IDNF (ID not found: an address outside the
/// user-addressable sectors). After a reset it holds a diagnostic code instead (01h: device 0 passed).
/// </summary>
[Flags]
public enum AtaError : byte
{
    None = 0,
    Abrt = 0x04,
    Idnf = 0x10,
}
