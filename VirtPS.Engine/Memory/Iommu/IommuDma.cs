namespace VirtPS.Engine.Memory.Iommu;

/// <summary>
/// The DMA path of one passed-through device: every address it uses is an IOVA that <paramref name="unit"/> translates
/// for its <paramref name="source"/> id into <paramref name="hostMemory"/>. A transfer is split at the boundaries of the
/// pages that map it and each page is translated, as remapping hardware treats a request crossing pages as several
/// independent requests (VT-d §3.13). Unlike hardware, which would let the pages before a faulting one through, this
/// model is all or nothing: if any page is refused (a remapping fault, recorded by the unit) or translates outside host
/// memory, the whole access fails before a byte moves, so host memory outside the domain's mappings is never touched.
/// </summary>
public sealed class IommuDma(IommuUnit unit, SourceId source, PhysicalMemory hostMemory) : IDma
{
    public SourceId Source => source;
    public IommuUnit Unit => unit;
    /// <summary>Accesses done and refused.</summary>
    public long Transfers { get; private set; }
    public long Refused { get; private set; }
    /// <summary>Why the last refused access was refused: the fault, or null if it translated outside host memory.</summary>
    public DmaRemappingFault? LastFault { get; private set; }

    public bool Read(ulong address, Span<byte> into)
    {
        if (!Plan(address, into.Length, AccessKind.Read, out var pieces)) return false;
        int done = 0;
        foreach (var (hpa, n) in pieces) { hostMemory.Read(hpa, into.Slice(done, n)); done += n; }
        Transfers++;
        return true;
    }

    public bool Write(ulong address, ReadOnlySpan<byte> data)
    {
        if (!Plan(address, data.Length, AccessKind.Write, out var pieces)) return false;
        int done = 0;
        foreach (var (hpa, n) in pieces) { hostMemory.Write(hpa, data.Slice(done, n)); done += n; }
        Transfers++;
        return true;
    }

    /// <summary>Translates every page of [address, +length) before anything moves.</summary>
    bool Plan(ulong address, int length, AccessKind access, out List<(ulong Hpa, int Length)> pieces)
    {
        pieces = [];
        if (length == 0) return true;
        if ((ulong)length - 1 > ulong.MaxValue - address) return Refuse(null);
        for (int done = 0; done < length;)
        {
            ulong iova = address + (ulong)done;
            var t = unit.Translate(source, iova, access);
            if (!t.Succeeded) return Refuse(t.Fault);
            int n = (int)Math.Min((ulong)(length - done), t.PageSize - (iova & (t.PageSize - 1)));
            if (!hostMemory.Contains(t.HostAddress, (ulong)n)) return Refuse(null);
            pieces.Add((t.HostAddress, n));
            done += n;
        }
        return true;
    }

    bool Refuse(DmaRemappingFault? fault)
    {
        Refused++;
        LastFault = fault;
        return false;
    }
}
