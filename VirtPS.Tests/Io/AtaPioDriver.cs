using VirtPS.Engine.Io;

namespace VirtPS.Tests.Io;

/// <summary>
/// A minimal ATA PIO driver, as a guest kernel writes one, that reaches the disk only through IN and OUT on the port
/// bus: select device 0, wait for BSY clear, load the task file (HOB bytes first for the 48-bit commands), write the
/// command, then per sector wait for DRQ (or ERR) and move 256 words through the Data register.
/// </summary>
public sealed class AtaPioDriver(PortBus bus)
{
    public const ushort Data = 0x1F0, ErrorReg = 0x1F1, Features = 0x1F1, Count = 0x1F2, LbaLow = 0x1F3, LbaMid = 0x1F4,
        LbaHigh = 0x1F5, Device = 0x1F6, StatusReg = 0x1F7, Command = 0x1F7, Control = 0x3F6;
    public const byte Bsy = 0x80, Drdy = 0x40, Df = 0x20, Drq = 0x08, Err = 0x01, Abrt = 0x04, Idnf = 0x10;

    public byte In(ushort port) => (byte)bus.In(port, 1);
    public ushort InWord() => (ushort)bus.In(Data, 2);
    public void Out(ushort port, byte value) => bus.Out(port, 1, value);

    /// <summary>Reads the Status register (acknowledges the interrupt).</summary>
    public byte Status() => In(StatusReg);
    /// <summary>Reads Alternate Status (no side effect): what a driver polls with.</summary>
    public byte AltStatus() => In(Control);
    public byte Error() => In(ErrorReg);

    public byte WaitNotBusy()
    {
        for (int k = 0; k < 10_000; k++) { byte s = AltStatus(); if ((s & Bsy) == 0) return s; }
        throw new TimeoutException("BSY never cleared");
    }

    /// <summary>Waits for BSY clear and DRQ or ERR; returns the status (read from the Status register).</summary>
    public byte WaitDrqOrError()
    {
        for (int k = 0; k < 10_000; k++)
        {
            byte s = AltStatus();
            if ((s & Bsy) == 0 && (s & (Drq | Err)) != 0) return Status();
        }
        throw new TimeoutException("neither DRQ nor ERR");
    }

    public void SelectDevice0(byte lbaTop = 0) { Out(Device, (byte)(0xE0 | (lbaTop & 0x0F))); WaitNotBusy(); }

    /// <summary>Loads the task file for a 28-bit command (a count of 256 is written as 0).</summary>
    public void Lba28(long lba, int count)
    {
        SelectDevice0((byte)(lba >> 24));
        Out(Count, (byte)count);
        Out(LbaLow, (byte)lba); Out(LbaMid, (byte)(lba >> 8)); Out(LbaHigh, (byte)(lba >> 16));
    }

    /// <summary>Loads the task file for a 48-bit command: each register twice, the high order byte first.</summary>
    public void Lba48(long lba, int count)
    {
        SelectDevice0();
        Out(Device, 0x40);
        Out(Count, (byte)(count >> 8)); Out(LbaLow, (byte)(lba >> 24)); Out(LbaMid, (byte)(lba >> 32)); Out(LbaHigh, (byte)(lba >> 40));
        Out(Count, (byte)count); Out(LbaLow, (byte)lba); Out(LbaMid, (byte)(lba >> 8)); Out(LbaHigh, (byte)(lba >> 16));
    }

    public void Issue(byte command) => Out(Command, command);

    /// <summary>Reads <paramref name="count"/> sectors of PIO data-in; throws with status and error if the device aborts.</summary>
    public byte[] DataIn(int count)
    {
        var bytes = new byte[count * 512];
        for (int s = 0; s < count; s++)
        {
            byte st = WaitDrqOrError();
            if ((st & Err) != 0) throw new InvalidOperationException($"status {st:X2} error {Error():X2}");
            for (int w = 0; w < 256; w++)
            {
                ushort v = (ushort)bus.In(Data, 2);
                bytes[s * 512 + 2 * w] = (byte)v; bytes[s * 512 + 2 * w + 1] = (byte)(v >> 8);
            }
        }
        return bytes;
    }

    public void DataOut(ReadOnlySpan<byte> bytes)
    {
        for (int s = 0; s < bytes.Length / 512; s++)
        {
            byte st = WaitDrqOrError();
            if ((st & Err) != 0) throw new InvalidOperationException($"status {st:X2} error {Error():X2}");
            for (int w = 0; w < 256; w++)
                bus.Out(Data, 2, (ushort)(bytes[s * 512 + 2 * w] | bytes[s * 512 + 2 * w + 1] << 8));
        }
        WaitNotBusy();
    }

    public ushort[] IdentifyDevice()
    {
        SelectDevice0();
        Issue(0xEC);
        var b = DataIn(1);
        var words = new ushort[256];
        for (int k = 0; k < 256; k++) words[k] = (ushort)(b[2 * k] | b[2 * k + 1] << 8);
        return words;
    }

    public byte[] ReadSectors(long lba, int count, bool ext = false)
    {
        if (ext) { Lba48(lba, count); Issue(0x24); } else { Lba28(lba, count); Issue(0x20); }
        return DataIn(count == 0 ? (ext ? 65536 : 256) : count);
    }

    public void WriteSectors(long lba, ReadOnlySpan<byte> data, bool ext = false)
    {
        int count = data.Length / 512;
        if (ext) { Lba48(lba, count); Issue(0x34); } else { Lba28(lba, count); Issue(0x30); }
        DataOut(data);
    }

    /// <summary>Issues a non-data command and returns the final status (read from the Status register).</summary>
    public byte NonData(byte command)
    {
        SelectDevice0();
        Issue(command);
        WaitNotBusy();
        return Status();
    }

    /// <summary>Decodes an IDENTIFY string: two characters per word, the first in the high byte.</summary>
    public static string IdentifyString(ushort[] words, int first, int count)
    {
        var chars = new char[count * 2];
        for (int k = 0; k < count; k++) { chars[2 * k] = (char)(words[first + k] >> 8); chars[2 * k + 1] = (char)(words[first + k] & 0xFF); }
        return new string(chars);
    }
}
