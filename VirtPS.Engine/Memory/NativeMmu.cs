namespace VirtPS.Engine.Memory;

/// <summary>
/// The bare machine's MMU: the processor walks the guest's own 4-level tables (<see cref="PageWalker"/>), which map
/// guest-physical memory, with the paging-structure caches in front. The base of the schemes that also walk the
/// guest's tables as they are: paravirtual direct paging and an emulator's software MMU.
/// </summary>
public class NativeMmu(PhysicalMemory memory) : IGuestMmu
{
    protected PhysicalMemory Memory { get; } = memory;

    public virtual MemoryVirtualization Kind => MemoryVirtualization.Native;

    public virtual SoftTlb? SoftTlb => null;

    public MmuTranslation Translate(ulong la, AccessKind access, in PagingMode mode, in MmuContext context) =>
        PageWalker.Walk(Memory, la, access, mode, out var pf, default, context.Guest(context.Pcid)) is { } t
            ? MmuTranslation.From(t) : MmuTranslation.Fault(pf);

    public ulong? Probe(ulong la, in PagingMode mode) => ProbeGuestTables(Memory, la, mode);

    /// <summary>Where the guest's own tables map <paramref name="la"/> (guest memory is stored by GPA).</summary>
    internal static ulong? ProbeGuestTables(PhysicalMemory memory, ulong la, in PagingMode mode) =>
        PageWalker.Walk(memory, la, AccessKind.Execute, mode, out _) is { } t ? t.Physical : null;

    public MmuInspection Inspect(ulong la, AccessKind access, in PagingMode mode, in MmuContext context, List<WalkReference> log) =>
        InspectGuestTables(Memory, la, access, mode, context.Caches is null ? default : context.Guest(context.Pcid), log, "Walk");

    /// <summary>The guest's tables read in place and logged, changing nothing; the walk caches may stand for the top levels.</summary>
    internal static MmuInspection InspectGuestTables(PhysicalMemory memory, ulong la, AccessKind access, in PagingMode mode,
        WalkCacheContext caches, List<WalkReference> log, string source)
    {
        log.Clear();
        var tables = new LoggedTables(memory, log);
        if (PageWalker.Walk(ref tables, la, access, mode, out var pf, default, caches) is not { } t)
            return new(0, 0, 0, "", 0) { PageFault = pf };
        int skipped = 4 - t.StartLevel;
        return new(t.Physical, t.Physical, t.PageSize, skipped > 0 ? "WalkCache" : source, skipped > 0 ? 1 : 0);
    }

    /// <summary>The guest's tables read in place, logged, leaving no trace.</summary>
    readonly struct LoggedTables(PhysicalMemory mem, List<WalkReference> log) : IPagingStructures
    {
        public bool Contains(ulong at) => mem.Contains(at, 8);
        public bool TryRead(int level, ulong table, ulong at, out ulong entry)
        {
            entry = mem.IsResident(at >> 12) ? BitConverter.ToUInt64(mem.Read(at, 8)) : 0;
            log.Add(new WalkReference(WalkDimension.Guest, level, table, table, entry, PageWalker.Describe(entry, level), null));
            return true;
        }
        public void Write(ulong at, ulong entry) { }
    }
}
