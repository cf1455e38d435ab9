namespace VirtPS.Engine.Memory;

/// <summary>The processor's translation caches and tags a walk may use: null caches with the TLB model off.</summary>
public readonly record struct MmuContext(TranslationCaches? Caches, ushort Vpid, ushort Pcid, ushort EptContext, ulong Cr3, bool Peek = false)
{
    internal WalkCacheContext Guest(ushort pcid) => new(Caches?.Guest, Vpid, pcid, Peek);
    internal EptCacheContext Ept => new(Caches?.Nested, Caches?.Ept, Peek, EptContext);
}
