using System.Buffers.Binary;

namespace VirtPS.Engine.Io.Pci;

/// <summary>
/// One PCI function with a type 0 configuration header (PCI Local Bus Specification 3.0, 6.1) and one IO BAR: its
/// registers live in IO space at <see cref="IoBase"/>, <see cref="IoSize"/> bytes. Subclasses answer the BAR's ports
/// and add capabilities (from offset 0x40) to the configuration space.
/// </summary>
public abstract class PciFunction : IPortDevice
{
    public const int CommandIoSpace = 1 << 0, CommandBusMaster = 1 << 2, CommandInterruptDisable = 1 << 10;
    public const int StatusInterrupt = 1 << 3, StatusCapabilities = 1 << 4;

    /// <summary>The configuration space: the header, then the capabilities.</summary>
    protected readonly byte[] Config = new byte[256];

    protected PciFunction(ushort vendor, ushort device, byte revision, uint classCode, ushort subsystemVendor, ushort subsystem)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(Config.AsSpan(0x00), vendor);
        BinaryPrimitives.WriteUInt16LittleEndian(Config.AsSpan(0x02), device);
        Config[0x08] = revision;
        Config[0x09] = (byte)classCode; Config[0x0A] = (byte)(classCode >> 8); Config[0x0B] = (byte)(classCode >> 16);
        BinaryPrimitives.WriteUInt16LittleEndian(Config.AsSpan(0x2C), subsystemVendor);
        BinaryPrimitives.WriteUInt16LittleEndian(Config.AsSpan(0x2E), subsystem);
        Config[0x3D] = 1;   // interrupt pin INTA#
    }

    /// <summary>Bytes of IO space the BAR decodes (a power of two, at least 4).</summary>
    public abstract int IoSize { get; }
    public ushort IoBase { get; private set; }
    public int Irq => Config[0x3C];
    public ushort Command => BinaryPrimitives.ReadUInt16LittleEndian(Config.AsSpan(0x04));
    /// <summary>The driver set the Interrupt Disable bit: INTx is not asserted.</summary>
    public bool InterruptsDisabled => (Command & CommandInterruptDisable) != 0;

    /// <summary>Asserts the function's interrupt (set by whoever attaches it to a machine).</summary>
    public Action<PciFunction>? Interrupt { get; set; }

    /// <summary>The firmware's part: BAR 0's base and the IRQ routed to INTA#.</summary>
    internal void Place(ushort ioBase, int irq)
    {
        IoBase = ioBase;
        BinaryPrimitives.WriteUInt32LittleEndian(Config.AsSpan(0x10), (uint)ioBase | 1);   // bit 0: IO space
        Config[0x3C] = (byte)irq;
    }

    /// <summary>Raises INTx unless the driver disabled it; sets the status register's Interrupt Status either way.
    /// Returns whether the interrupt was asserted.</summary>
    protected bool AssertInterrupt()
    {
        Config[0x06] |= StatusInterrupt;
        if (InterruptsDisabled) return false;
        Interrupt?.Invoke(this);
        return true;
    }

    protected void DeassertInterrupt() => Config[0x06] &= unchecked((byte)~StatusInterrupt);

    /// <summary>Starts a capability list at 0x40 (the header's capabilities pointer and status bit).</summary>
    protected void AddCapability(int at, ReadOnlySpan<byte> body, int next)
    {
        if (Config[0x34] == 0) { Config[0x34] = (byte)at; Config[0x06] |= StatusCapabilities; }
        body.CopyTo(Config.AsSpan(at));
        Config[at + 1] = (byte)next;
    }

    public ulong ReadConfig(int offset, int size)
    {
        ulong v = 0;
        for (int k = 0; k < size && offset + k < 256; k++) v |= (ulong)Config[offset + k] << (8 * k);
        return v;
    }

    public void WriteConfig(int offset, int size, uint value)
    {
        for (int k = 0; k < size; k++)
        {
            int at = offset + k;
            byte b = (byte)(value >> (8 * k));
            switch (at)
            {
                case 0x04: Config[at] = (byte)(b & (CommandIoSpace | CommandBusMaster)); break;   // memory space: no memory BAR
                case 0x05: Config[at] = (byte)(b & (CommandInterruptDisable >> 8)); break;
                case 0x3C: Config[at] = b; break;   // interrupt line: scratch for the OS
                // BAR 0 sizing (PCI 3.0, 6.2.5.1): writing all ones reads back the size mask; the firmware's base is kept
                case >= 0x10 and <= 0x13:
                    if (k == 0 && size == 4 && value == 0xFFFF_FFFF)
                        BinaryPrimitives.WriteUInt32LittleEndian(Config.AsSpan(0x10), (uint)~(IoSize - 1) | 1);
                    else if (k == 0 && size == 4)
                        BinaryPrimitives.WriteUInt32LittleEndian(Config.AsSpan(0x10), (uint)IoBase | 1);
                    break;
                default: break;   // read-only or unimplemented: writes are dropped
            }
        }
    }

    public abstract ulong In(ushort port, int size);
    public abstract void Out(ushort port, int size, ulong value);
}
