namespace VirtPS.Engine.Io.Input;

/// <summary>The 8042's command byte (its RAM byte 0: read with command 0x20, written with 0x60).</summary>
[Flags]
public enum I8042Config : byte
{
    None = 0,
    /// <summary>INT: raise IRQ 1 when a keyboard byte reaches the output buffer.</summary>
    KeyboardInterrupt = 0x01,
    /// <summary>INT2: raise IRQ 12 when a mouse byte reaches the output buffer.</summary>
    AuxInterrupt = 0x02,
    /// <summary>SYS: copied to the status register's system flag.</summary>
    SystemFlag = 0x04,
    /// <summary>EN: keyboard interface disabled (its clock held low; the keyboard keeps what it has to send).</summary>
    KeyboardDisabled = 0x10,
    /// <summary>EN2: auxiliary (mouse) interface disabled.</summary>
    AuxDisabled = 0x20,
    /// <summary>XLAT: translate the keyboard's scancodes to set 1.</summary>
    Translate = 0x40,
}
