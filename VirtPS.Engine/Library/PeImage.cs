using System.Buffers.Binary;
using System.Text;

namespace VirtPS.Engine.Library;

/// <summary>
/// A Windows x86-64 executable read and checked per the Microsoft PE/COFF specification: the MS-DOS stub's
/// e_lfanew, the "PE\0\0" signature, the COFF file header (machine IMAGE_FILE_MACHINE_AMD64 only), the PE32+
/// optional header (magic 0x20B) with its data directories, the section table, and the import directory. Every
/// offset is checked against the file before it is read: a bad file is a <see cref="VirtPSException"/>, never a
/// host exception.
/// </summary>
public sealed class PeImage
{
    /// <summary>IMAGE_FILE_MACHINE_AMD64, IMAGE_FILE_MACHINE_I386, IMAGE_FILE_MACHINE_ARM64.</summary>
    public const ushort MachineAmd64 = 0x8664, MachineI386 = 0x14C, MachineArm64 = 0xAA64;
    /// <summary>The optional header's magic for PE32+ (PE32 is 0x10B).</summary>
    public const ushort Pe32PlusMagic = 0x20B;
    /// <summary>COFF characteristics: IMAGE_FILE_RELOCS_STRIPPED, IMAGE_FILE_EXECUTABLE_IMAGE, IMAGE_FILE_DLL.</summary>
    public const ushort RelocsStripped = 0x0001, ExecutableImage = 0x0002, Dll = 0x2000;
    /// <summary>Data directory indexes: import table, base relocation table, TLS table.</summary>
    public const int ImportDirectory = 1, BaseRelocationDirectory = 5, TlsDirectory = 9;
    /// <summary>More imports than any program the layer could serve: a bound on the loader's work for a hostile file.</summary>
    public const int MaxImports = 8192;

    readonly byte[] _file;

    public ushort Machine { get; }
    public ushort Characteristics { get; }
    public ulong ImageBase { get; }
    public uint AddressOfEntryPoint { get; }
    public uint SizeOfImage { get; }
    public uint SizeOfHeaders { get; }
    public ushort Subsystem { get; }
    public IReadOnlyList<PeSection> Sections { get; }
    /// <summary>The data directories: (RVA, size) each.</summary>
    public IReadOnlyList<(uint Rva, uint Size)> Directories { get; }
    public IReadOnlyList<PeImport> Imports { get; }

    PeImage(byte[] file)
    {
        _file = file;
        if (file.Length < 2 || file[0] != (byte)'M' || file[1] != (byte)'Z')
            throw new VirtPSException(ErrorIds.NotPortableExecutable, ErrorKind.InvalidData,
                "This is not a Windows executable: it does not start with the MS-DOS signature 'MZ'.", null);
        uint lfanew = U32(0x3C, "the MS-DOS header");
        if (lfanew + 4L > file.Length) Truncated("the PE signature");
        if (U32(lfanew, "the PE signature") != 0x0000_4550)
            throw new VirtPSException(ErrorIds.NotPortableExecutable, ErrorKind.InvalidData,
                $"This is not a PE image: no 'PE\\0\\0' signature at e_lfanew (0x{lfanew:X}); an MS-DOS program or another format.", null);
        long coff = lfanew + 4;
        Machine = U16(coff, "the COFF file header");
        if (Machine != MachineAmd64)
            throw new VirtPSException(ErrorIds.PeMachineNotSupported, ErrorKind.InvalidData,
                $"The image is built for {MachineName(Machine)} (machine 0x{Machine:X4}); -Style Library runs x86-64 images (IMAGE_FILE_MACHINE_AMD64, 0x8664) only.", Machine);
        int sections = U16(coff + 2, "the COFF file header");
        int optSize = U16(coff + 16, "the COFF file header");
        Characteristics = U16(coff + 18, "the COFF file header");
        long opt = coff + 20;
        if (opt + optSize > file.Length) Truncated("the optional header");
        if (optSize < 112) Invalid($"its optional header is {optSize} bytes, too short for PE32+");
        ushort magic = U16(opt, "the optional header");
        if (magic != Pe32PlusMagic)
            Invalid($"its optional header's magic is 0x{magic:X} (PE32+ is 0x20B{(magic == 0x10B ? "; 0x10B is a 32-bit PE32 image" : "")})");
        if ((Characteristics & ExecutableImage) == 0 || (Characteristics & Dll) != 0)
            Invalid("it is not an executable image (IMAGE_FILE_EXECUTABLE_IMAGE clear, or a DLL)");
        AddressOfEntryPoint = U32(opt + 16, "");
        ImageBase = U64(opt + 24, "");
        SizeOfImage = U32(opt + 56, "");
        SizeOfHeaders = U32(opt + 60, "");
        Subsystem = U16(opt + 68, "");
        uint dirs = U32(opt + 108, "");
        if (dirs > 16 || 112 + dirs * 8 > optSize) Invalid($"NumberOfRvaAndSizes ({dirs}) does not fit its optional header");
        var d = new List<(uint, uint)>();
        for (int k = 0; k < 16; k++) d.Add(k < dirs ? (U32(opt + 112 + k * 8, ""), U32(opt + 116 + k * 8, "")) : (0u, 0u));
        Directories = d;
        if (ImageBase % 0x10000 != 0) Invalid($"its ImageBase 0x{ImageBase:X} is not a multiple of 64 KiB");
        if (SizeOfImage == 0 || SizeOfHeaders > SizeOfImage) Invalid("its SizeOfImage or SizeOfHeaders is wrong");

        long table = opt + optSize;
        if (table + sections * 40L > file.Length) Truncated("the section table");
        var list = new List<PeSection>();
        for (int k = 0; k < sections; k++)
        {
            long s = table + k * 40L;
            string name = Encoding.ASCII.GetString(file, (int)s, 8).TrimEnd('\0');
            var sec = new PeSection(name, U32(s + 12, ""), U32(s + 8, ""), U32(s + 20, ""), U32(s + 16, ""), U32(s + 36, ""));
            if ((ulong)sec.VirtualAddress + sec.MemorySize > SizeOfImage)
                Invalid($"section '{name}' (RVA 0x{sec.VirtualAddress:X}, 0x{sec.MemorySize:X} bytes) ends beyond SizeOfImage 0x{SizeOfImage:X}");
            if (sec.SizeOfRawData > 0 && (ulong)sec.PointerToRawData + sec.SizeOfRawData > (ulong)file.Length)
                Truncated($"section '{name}' (its raw data ends at 0x{(ulong)sec.PointerToRawData + sec.SizeOfRawData:X}, the file at 0x{file.Length:X})");
            list.Add(sec);
        }
        Sections = list;
        if (AddressOfEntryPoint == 0 || AddressOfEntryPoint >= SizeOfImage) Invalid($"its entry point RVA 0x{AddressOfEntryPoint:X} lies outside the image");
        Imports = ReadImports();
    }

    /// <summary>Reads and checks <paramref name="file"/>; throws NotPortableExecutable, PeTruncated, PeMachineNotSupported or PeInvalid.</summary>
    public static PeImage Parse(byte[] file) => new(file ?? throw new ArgumentNullException(nameof(file)));

    /// <summary>Whether the image carries base relocations (it can be moved from its ImageBase).</summary>
    public bool Relocatable => (Characteristics & RelocsStripped) == 0 && Directories[BaseRelocationDirectory].Size > 0;

    public static string MachineName(ushort machine) => machine switch
    {
        MachineAmd64 => "x86-64 (AMD64)",
        MachineI386 => "i386",
        MachineArm64 => "ARM64",
        0x1C0 => "ARM",
        0x1C4 => "ARM Thumb-2",
        0x200 => "Itanium",
        _ => "another machine",
    };

    /// <summary>The image as the loader maps it: headers and each section's raw data at its RVA, the rest zero
    /// (uninitialized data), <paramref name="length"/> bytes from RVA 0.</summary>
    public byte[] Map(uint length)
    {
        var image = new byte[length];
        Array.Copy(_file, 0, image, 0, Math.Min(Math.Min(SizeOfHeaders, (uint)_file.Length), length));
        foreach (var s in Sections)
        {
            if (s.VirtualAddress >= length) continue;
            uint n = Math.Min(Math.Min(s.SizeOfRawData, s.MemorySize), length - s.VirtualAddress);
            Array.Copy(_file, s.PointerToRawData, image, s.VirtualAddress, n);
        }
        return image;
    }

    /// <summary>The file offset of <paramref name="rva"/>, with <paramref name="length"/> bytes readable there; null if
    /// no section (nor the headers) holds them in the file.</summary>
    long? FileOffset(uint rva, uint length)
    {
        if (rva + (ulong)length <= SizeOfHeaders) return rva;
        foreach (var s in Sections)
            if (rva >= s.VirtualAddress && rva + (ulong)length <= s.VirtualAddress + (ulong)Math.Min(s.SizeOfRawData, s.MemorySize))
                return s.PointerToRawData + (rva - s.VirtualAddress);
        return null;
    }

    long At(uint rva, uint length, string what) =>
        FileOffset(rva, length) ?? throw new VirtPSException(ErrorIds.PeInvalid, ErrorKind.InvalidData,
            $"The PE image is not valid: {what} (RVA 0x{rva:X}) lies in no section's data.", rva);

    /// <summary>The import directory: one IMAGE_IMPORT_DESCRIPTOR per DLL (20 bytes, ended by a zeroed one), each with its
    /// import lookup table (or, when OriginalFirstThunk is 0, the IAT itself) of 64-bit entries: bit 63 set for an
    /// ordinal, else the RVA of a hint (2 bytes) and NUL-terminated name.</summary>
    List<PeImport> ReadImports()
    {
        var imports = new List<PeImport>();
        var (dirRva, dirSize) = Directories[ImportDirectory];
        if (dirRva == 0 || dirSize == 0) return imports;
        for (uint k = 0; ; k++)
        {
            if (k > 4096) Invalid("its import directory has no terminating entry");
            long d = At(dirRva + k * 20, 20, "the import directory");
            uint ilt = U32(d, ""), nameRva = U32(d + 12, ""), iat = U32(d + 16, "");
            if (ilt == 0 && nameRva == 0 && iat == 0) break;
            string dll = AsciiZ(nameRva, "an imported DLL's name");
            uint lookup = ilt != 0 ? ilt : iat;
            for (uint j = 0; ; j++)
            {
                if (j > 65536 || imports.Count >= MaxImports) Invalid($"the import lookup table of {dll} has no terminating entry, or the image imports more than {MaxImports} functions");
                ulong entry = U64(At(lookup + j * 8, 8, $"the import lookup table of {dll}"), "");
                if (entry == 0) break;
                uint slot = iat + j * 8;
                At(slot, 8, $"the import address table of {dll}");
                if ((entry & 0x8000_0000_0000_0000) != 0)
                    imports.Add(new PeImport(dll, null, 0, (ushort)entry, slot));
                else
                {
                    uint hintRva = (uint)(entry & 0x7FFF_FFFF);
                    ushort hint = U16(At(hintRva, 2, "an import's hint"), "");
                    imports.Add(new PeImport(dll, AsciiZ(hintRva + 2, "an import's name"), hint, null, slot));
                }
            }
        }
        return imports;
    }

    /// <summary>The base relocations (PE/COFF "The .reloc Section"): blocks of a 4-byte page RVA and a 4-byte block size,
    /// then 2-byte entries, the type in the top 4 bits and the offset into the page in the low 12.</summary>
    public IEnumerable<(uint Rva, int Type)> BaseRelocations()
    {
        var (rva, size) = Directories[BaseRelocationDirectory];
        var list = new List<(uint, int)>();
        uint pos = 0;
        while (pos + 8 <= size)
        {
            long b = At(rva + pos, 8, "a base relocation block");
            uint page = U32(b, ""), blockSize = U32(b + 4, "");
            if (blockSize < 8 || pos + blockSize > size) Invalid($"a base relocation block at RVA 0x{rva + pos:X} has size {blockSize}");
            long entries = At(rva + pos + 8, blockSize - 8, "a base relocation block");
            for (uint k = 0; k + 2 <= blockSize - 8; k += 2)
            {
                ushort e = U16(entries + k, "");
                list.Add((page + (uint)(e & 0xFFF), e >> 12));
            }
            pos += blockSize;
        }
        return list;
    }

    string AsciiZ(uint rva, string what)
    {
        long start = At(rva, 1, what);
        long end = start;
        while (end < _file.Length && _file[end] != 0 && end - start < 512) end++;
        if (end >= _file.Length || _file[end] != 0) Invalid($"{what} at RVA 0x{rva:X} is not NUL-terminated");
        return Encoding.ASCII.GetString(_file, (int)start, (int)(end - start));
    }

    ushort U16(long at, string what) { Need(at, 2, what); return BinaryPrimitives.ReadUInt16LittleEndian(_file.AsSpan((int)at)); }
    uint U32(long at, string what) { Need(at, 4, what); return BinaryPrimitives.ReadUInt32LittleEndian(_file.AsSpan((int)at)); }
    ulong U64(long at, string what) { Need(at, 8, what); return BinaryPrimitives.ReadUInt64LittleEndian(_file.AsSpan((int)at)); }

    void Need(long at, int n, string what)
    {
        if (at < 0 || at + n > _file.Length) Truncated(what.Length > 0 ? what : "its headers");
    }

    void Truncated(string what) =>
        throw new VirtPSException(ErrorIds.PeTruncated, ErrorKind.InvalidData,
            $"The PE image is truncated: the file ({_file.Length} bytes) ends before {what}.", _file.Length);

    static void Invalid(string why) =>
        throw new VirtPSException(ErrorIds.PeInvalid, ErrorKind.InvalidData, $"The PE image is not valid: {why}.", null);
}
