using System.Buffers.Binary;

namespace VirtPS.Engine.Library;

/// <summary>
/// Lays a checked <see cref="PeImage"/> out as a process image, as the Windows loader (and Wine's) would: sections at
/// ImageBase + RVA, base relocations applied when the image cannot have its preferred base, each import resolved
/// against <see cref="TranslationLayer"/> and its address written into the IAT; the layer goes right above the image.
/// The kernel then maps it all and starts the process in the layer, which sets up the TEB and calls the entry point.
/// </summary>
public static class PeLoader
{
    /// <summary>IMAGE_REL_BASED_ABSOLUTE (padding), IMAGE_REL_BASED_HIGHLOW, IMAGE_REL_BASED_DIR64 (PE/COFF "Base Relocation Types").</summary>
    const int RelAbsolute = 0, RelHighLow = 3, RelDir64 = 10;

    /// <summary>
    /// Loads <paramref name="pe"/> for a process whose usable user addresses are [<paramref name="lowest"/>,
    /// <paramref name="highest"/>): at its ImageBase when it fits there, else at <paramref name="alternateBase"/>
    /// (relocated; PeNotRelocatable if it carries no relocations). The result must be at most <paramref name="maxBytes"/>
    /// (ProgramTooLarge). Sections after the last one the program needs at run time (discardable ones: debug
    /// information, the relocations) are not mapped.
    /// </summary>
    public static PeProcessImage Load(PeImage pe, ulong lowest, ulong highest, ulong alternateBase, int maxBytes, ulong stackTop, ulong stackLimit)
    {
        uint mapped = Page(pe.Sections.Where(s => !s.Discardable).Select(s => s.VirtualAddress + s.MemorySize).DefaultIfEmpty(pe.SizeOfHeaders).Max());
        mapped = Math.Max(mapped, Page(pe.AddressOfEntryPoint + 1));
        if (mapped > maxBytes)
            throw new VirtPSException(ErrorIds.ProgramTooLarge, ErrorKind.LimitsExceeded,
                $"The image maps {mapped} bytes; the kernel takes a user image of at most {maxBytes}, the translation layer included. Strip the executable (-s) or make it smaller.", mapped);
        const uint LayerRoom = 0x10000;   // room for the layer's code, stubs and data (checked exactly once it is assembled)
        bool Fits(ulong b) => b >= lowest && b + mapped + LayerRoom <= highest;
        ulong @base = pe.ImageBase;
        if (!Fits(@base))
        {
            if (!pe.Relocatable)
                throw new VirtPSException(ErrorIds.PeNotRelocatable, ErrorKind.InvalidOperation,
                    $"The image wants ImageBase 0x{pe.ImageBase:X}, where a process of the built-in kernel cannot have it (user images go in 0x{lowest:X}-0x{highest - 1:X}), and it carries no base relocations to move it; link it with --dynamicbase or another --image-base.", pe.ImageBase);
            @base = alternateBase;
        }
        var image = pe.Map(mapped);
        if (@base != pe.ImageBase) Relocate(pe, image, @base - pe.ImageBase);

        ulong layerAt = @base + mapped;
        var unimplemented = pe.Imports.Where(i => !TranslationLayer.Implements(i)).ToList();
        var writable = pe.Sections.Where(s => s.Writable && s.VirtualAddress < mapped)
            .Select(s => (@base + s.VirtualAddress, (ulong)Page(Math.Min(s.MemorySize, mapped - s.VirtualAddress)))).ToList();
        ulong programEntry = @base + pe.AddressOfEntryPoint;
        var (tlsTemplate, tlsZeroFill) = Tls(pe, image, @base);
        var layer = TranslationLayer.Assemble(layerAt, @base, programEntry, stackTop, stackLimit, unimplemented, writable, tlsTemplate, tlsZeroFill);
        long total = (long)mapped + layer.Bytes.Length;
        if (total > maxBytes || layerAt + (ulong)layer.Bytes.Length > highest)
            throw new VirtPSException(ErrorIds.ProgramTooLarge, ErrorKind.LimitsExceeded,
                $"The image ({mapped} bytes mapped) and the translation layer ({layer.Bytes.Length} bytes) need {total} bytes; the kernel takes a user image of at most {maxBytes}. Strip the executable (-s) or make it smaller.", total);

        // The IAT: each slot gets the layer's function, or the stub that names the import.
        var entries = new Dictionary<ulong, string>();
        var bindings = new List<ImportBinding>();
        int stub = 0;
        foreach (var imp in pe.Imports)
        {
            if (imp.IatRva + 8L > mapped)
                throw new VirtPSException(ErrorIds.PeInvalid, ErrorKind.InvalidData,
                    $"The PE image is not valid: the IAT slot of {imp.Dll}.{imp.Display} (RVA 0x{imp.IatRva:X}) is in no section the program maps.", imp.IatRva);
            bool implemented = TranslationLayer.Implements(imp);
            ulong target = layer.Symbols[implemented ? TranslationLayer.Label(imp.Dll, imp.Name!) : $"stub_{stub++}"];
            BinaryPrimitives.WriteUInt64LittleEndian(image.AsSpan((int)imp.IatRva), target);
            if (!implemented || !TranslationLayer.DataExports.Contains(imp.Name!)) entries[target] = $"{imp.Dll}.{imp.Display}";
            bindings.Add(new ImportBinding(imp.Dll, imp.Display, imp.Hint, imp.Ordinal, @base + imp.IatRva, target, implemented));
        }
        // The layer's other functions are entries too (one may be reached by a pointer the program got another way).
        foreach (var (dll, names) in TranslationLayer.Exports)
            foreach (var name in names.Where(n => !TranslationLayer.DataExports.Contains(n)))
                entries.TryAdd(layer.Symbols[TranslationLayer.Label(dll, name)], $"{dll}.{name}");

        var bytes = new byte[total];
        image.CopyTo(bytes, 0);
        layer.Bytes.CopyTo(bytes, (int)mapped);
        return new PeProcessImage(bytes, @base, layer.EntryPoint, pe.ImageBase, layerAt, layerAt + (ulong)layer.Bytes.Length,
            bindings, entries, programEntry);
    }

    /// <summary>The TLS directory (PE/COFF "The .tls Section": StartAddressOfRawData, EndAddressOfRawData, AddressOfIndex,
    /// AddressOfCallBacks as VAs, then SizeOfZeroFill): the template of the one thread's TLS block, and index 0 written
    /// where the program reads its TLS index. The callbacks are not called: mingw-w64's start-up calls its own.</summary>
    static (byte[]? Template, uint ZeroFill) Tls(PeImage pe, byte[] image, ulong @base)
    {
        var (rva, size) = pe.Directories[PeImage.TlsDirectory];
        if (rva == 0 || size < 40) return (null, 0);
        if (rva + 40L > image.Length) throw Bad($"its TLS directory (RVA 0x{rva:X}) is in no section the program maps");
        ulong start = BinaryPrimitives.ReadUInt64LittleEndian(image.AsSpan((int)rva)), end = BinaryPrimitives.ReadUInt64LittleEndian(image.AsSpan((int)rva + 8));
        ulong index = BinaryPrimitives.ReadUInt64LittleEndian(image.AsSpan((int)rva + 16));
        uint zeroFill = BinaryPrimitives.ReadUInt32LittleEndian(image.AsSpan((int)rva + 32));
        if (start < @base || end < start || end - @base > (ulong)image.Length || end - start > 0x10000 || zeroFill > 0x10000)
            throw Bad("its TLS template lies outside the image or is over 64 KiB");
        if (index != 0)
        {
            if (index < @base || index - @base + 4 > (ulong)image.Length) throw Bad("its TLS index lies outside the image");
            BinaryPrimitives.WriteUInt32LittleEndian(image.AsSpan((int)(index - @base)), 0);
        }
        return (image[(int)(start - @base)..(int)(end - @base)], zeroFill);
    }

    static VirtPSException Bad(string why) => new(ErrorIds.PeInvalid, ErrorKind.InvalidData, $"The PE image is not valid: {why}.", null);

    static uint Page(uint n) => (n + 0xFFFu) & ~0xFFFu;

    /// <summary>Applies the base relocation blocks (page RVA, block size, then 16-bit entries: type in the top 4 bits,
    /// offset in the page below) for a move by <paramref name="delta"/>.</summary>
    static void Relocate(PeImage pe, byte[] image, ulong delta)
    {
        foreach (var (rva, type) in pe.BaseRelocations())
        {
            switch (type)
            {
                case RelAbsolute: break;
                case RelDir64 when rva + 8L <= image.Length:
                    var s64 = image.AsSpan((int)rva);
                    BinaryPrimitives.WriteUInt64LittleEndian(s64, BinaryPrimitives.ReadUInt64LittleEndian(s64) + delta);
                    break;
                case RelHighLow when rva + 4L <= image.Length:
                    var s32 = image.AsSpan((int)rva);
                    BinaryPrimitives.WriteUInt32LittleEndian(s32, BinaryPrimitives.ReadUInt32LittleEndian(s32) + (uint)delta);
                    break;
                case RelDir64 or RelHighLow: break;   // in a section the process does not map
                default:
                    throw new VirtPSException(ErrorIds.PeInvalid, ErrorKind.InvalidData,
                        $"The PE image is not valid for x86-64: base relocation type {type} at RVA 0x{rva:X} (only DIR64 and HIGHLOW are).", type);
            }
        }
    }
}
