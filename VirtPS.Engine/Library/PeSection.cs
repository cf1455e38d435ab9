namespace VirtPS.Engine.Library;

/// <summary>One entry of a PE image's section table (PE/COFF specification, "Section Table (Section Headers)").</summary>
public sealed record PeSection(string Name, uint VirtualAddress, uint VirtualSize, uint PointerToRawData, uint SizeOfRawData, uint Characteristics)
{
    /// <summary>IMAGE_SCN_MEM_WRITE, IMAGE_SCN_MEM_EXECUTE, IMAGE_SCN_MEM_DISCARDABLE.</summary>
    public const uint MemWrite = 0x8000_0000, MemExecute = 0x2000_0000, MemDiscardable = 0x0200_0000;

    public bool Writable => (Characteristics & MemWrite) != 0;
    public bool Discardable => (Characteristics & MemDiscardable) != 0;
    /// <summary>Bytes the section occupies in memory: its virtual size, or its raw size where a linker left that 0.</summary>
    public uint MemorySize => VirtualSize != 0 ? VirtualSize : SizeOfRawData;
}
