namespace VirtPS.Engine.Io.Input;

/// <summary>The 8042's status register (read at port 0x64), bit names as the IBM PC/AT Technical Reference gives them.</summary>
[Flags]
public enum I8042Status : byte
{
    None = 0,
    /// <summary>Output buffer full: a byte waits at port 0x60.</summary>
    OutputBufferFull = 0x01,
    /// <summary>Input buffer full: the controller has not yet taken the last byte written (always clear here: it takes
    /// every write at once).</summary>
    InputBufferFull = 0x02,
    /// <summary>System flag: the command byte's SYS bit (set once the power-on self-test passed).</summary>
    SystemFlag = 0x04,
    /// <summary>Command/data: the last write went to port 0x64 (a command) rather than 0x60 (data).</summary>
    CommandData = 0x08,
    /// <summary>Keyboard not inhibited (the keylock is open).</summary>
    NotInhibited = 0x10,
    /// <summary>AUXB: the byte in the output buffer came from the auxiliary device (the mouse).</summary>
    AuxOutputBufferFull = 0x20,
    Timeout = 0x40,
    ParityError = 0x80,
}
