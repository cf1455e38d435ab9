namespace VirtPS.Engine.Library;

/// <summary>
/// A PE made ready to run as a process of the built-in kernel: one flat image the kernel maps at <see cref="Base"/>
/// (the PE's sections at their RVAs, relocated if it had to move, its IAT written; then the translation layer), the
/// address the process starts at (the layer's start code), and what the loader decided.
/// </summary>
public sealed class PeProcessImage
{
    internal PeProcessImage(byte[] bytes, ulong @base, ulong entry, ulong preferredBase, ulong layerStart, ulong layerEnd,
        IReadOnlyList<ImportBinding> imports, IReadOnlyDictionary<ulong, string> entries, ulong programEntry)
    {
        Bytes = bytes; Base = @base; Entry = entry; PreferredBase = preferredBase; LayerStart = layerStart; LayerEnd = layerEnd;
        Imports = imports; Entries = entries; ProgramEntry = programEntry;
    }

    /// <summary>What the kernel maps, from <see cref="Base"/>.</summary>
    public byte[] Bytes { get; }
    /// <summary>Where the PE is mapped: its ImageBase, unless it had to be relocated.</summary>
    public ulong Base { get; }
    public ulong PreferredBase { get; }
    public bool Relocated => Base != PreferredBase;
    /// <summary>The process's first instruction (the layer's start code), and the PE's own entry point it calls.</summary>
    public ulong Entry { get; }
    public ulong ProgramEntry { get; }
    /// <summary>The translation layer's code and data: [LayerStart, LayerEnd).</summary>
    public ulong LayerStart { get; }
    public ulong LayerEnd { get; }
    /// <summary>Every import and its binding, in import-directory order.</summary>
    public IReadOnlyList<ImportBinding> Imports { get; }
    /// <summary>The layer's entry points a program can call (implemented functions and stubs), by address: "DLL.name".</summary>
    public IReadOnlyDictionary<ulong, string> Entries { get; }
}
