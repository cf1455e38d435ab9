using System.Buffers.Binary;
using System.Text;
using VirtPS.Engine.Memory;

namespace VirtPS.Engine.Guests;

/// <summary>
/// The boot-information block the loader leaves for the guest, as Firecracker leaves Linux its zero page:
/// one page at guest-physical 0x7000, pointed to by RSI at entry.
/// <code>
/// +0x00 u32 magic 'VPSB'    +0x04 u32 version (1)
/// +0x08 u64 memory size in bytes
/// +0x10 u64 command-line address (0x7100)   +0x18 u64 command-line length (bytes, no NUL)
/// +0x100 the command line (ASCII, at most 3839 bytes, NUL-terminated)
/// </code>
/// </summary>
public static class BootInfo
{
    public const ulong Address = 0x7000;
    public const uint Magic = 0x4253_5056;   // "VPSB" little-endian
    public const int MaxCommandLine = 0xEFF;
    /// <summary>The low region the loader owns: the boot information and the boot page tables.</summary>
    public static ulong ReservedEnd(ulong memoryBytes) => BootPageTables.End(memoryBytes);

    public static void Write(PhysicalMemory mem, string commandLine)
    {
        var text = Encoding.ASCII.GetBytes(commandLine);
        var page = new byte[0x1000];
        BinaryPrimitives.WriteUInt32LittleEndian(page, Magic);
        BinaryPrimitives.WriteUInt32LittleEndian(page.AsSpan(4), 1);
        BinaryPrimitives.WriteUInt64LittleEndian(page.AsSpan(8), mem.Size);
        BinaryPrimitives.WriteUInt64LittleEndian(page.AsSpan(0x10), Address + 0x100);
        BinaryPrimitives.WriteUInt64LittleEndian(page.AsSpan(0x18), (ulong)text.Length);
        text.CopyTo(page.AsSpan(0x100));
        mem.Write(Address, page);
    }

    /// <summary>The command line as the loader left it.</summary>
    public static string Read(PhysicalMemory mem)
    {
        var header = mem.Read(Address, 0x20);
        int length = (int)Math.Min(BinaryPrimitives.ReadUInt64LittleEndian(header.AsSpan(0x18)), MaxCommandLine);
        return Encoding.ASCII.GetString(mem.Read(Address + 0x100, length));
    }
}
