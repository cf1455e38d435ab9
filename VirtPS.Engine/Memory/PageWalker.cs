using System.Buffers.Binary;

namespace VirtPS.Engine.Memory;

/// <summary>
/// The x86-64 4-level page walk (Intel SDM Vol. 3A, 4.5): PML4 → PDPT → PD → PT, with 1 GiB and 2 MiB
/// pages, the P, R/W, U/S and XD bits, reserved-bit checks, and the A and D bits set as the walk goes.
/// It is a component of its own so a TLB (and, for nested paging, a second dimension) can sit in front
/// of it; it counts the memory references it makes.
/// </summary>
public static class PageWalker
{
    public const ulong Present = 1, Writable = 2, UserBit = 4, Accessed = 0x20, Dirty = 0x40, PageSizeBit = 0x80, GlobalBit = 0x100;
    public const ulong NoExecuteBit = 1UL << 63;
    const int MaxPhysAddr = 39;
    const ulong AddrMask = ((1UL << MaxPhysAddr) - 1) & ~0xFFFUL;

    // #PF error-code bits
    public const ulong PfPresent = 1, PfWrite = 2, PfUser = 4, PfReserved = 8, PfFetch = 16;

    public static Translation? Walk(PhysicalMemory mem, ulong la, AccessKind access, in PagingMode mode, out PageFault fault) =>
        Walk(mem, la, access, mode, out fault, default);

    /// <summary>As the other overload, also recording in <paramref name="tables"/> (4 slots, PML4 first) the
    /// physical address of each table the walk read: a shadow-paging VMM write-protects them.</summary>
    public static Translation? Walk(PhysicalMemory mem, ulong la, AccessKind access, in PagingMode mode, out PageFault fault, Span<ulong> tables,
        WalkCacheContext cache = default)
    {
        var direct = new DirectTables(mem, setFlags: true);
        return Walk(ref direct, la, access, mode, out fault, tables, cache);
    }

    /// <summary>
    /// The walk itself, over any view of the paging structures: <paramref name="tables"/> reads each entry (for
    /// nested paging, after translating the table's guest-physical address through EPT) and may stop the walk
    /// (returning null with <paramref name="fault"/> left default: the reader knows why).
    /// </summary>
    public static Translation? Walk<T>(ref T tables, ulong la, AccessKind access, in PagingMode mode, out PageFault fault, Span<ulong> tableLog = default,
        WalkCacheContext cache = default)
        where T : struct, IPagingStructures
    {
        fault = default;
        ulong table = mode.Cr3 & AddrMask;
        bool writable = true, user = true, executable = true;
        int refs = 0, start = 4;
        if (cache.Caches is { } psc && (start = psc.Find(cache.Vpid, cache.Pcid, la, out var cached, cache.Peek)) < 4)
        {
            // The cached entry stands for every entry above it: their rights, and a next table to read.
            table = cached.Table;
            writable = cached.Writable; user = cached.User; executable = cached.Executable;
        }
        Span<ulong> entryAddrs = stackalloc ulong[4];
        Span<ulong> entries = stackalloc ulong[4];
        Span<byte> rights = stackalloc byte[4];
        for (int level = start; level >= 1; level--)
        {
            int shift = 12 + 9 * (level - 1);
            ulong at = table + ((la >> shift) & 0x1FF) * 8;
            if (!tableLog.IsEmpty) tableLog[4 - level] = table;
            if (!tables.Contains(at)) { fault = Fail(access, mode, 0, $"level-{level} table at 0x{table:X} is outside guest memory", refs); return null; }
            if (!tables.TryRead(level, table, at, out ulong e)) return null;
            refs++;
            entryAddrs[level - 1] = at; entries[level - 1] = e;
            if ((e & Present) == 0) { fault = Fail(access, mode, 0, $"level-{level} entry not present", refs); return null; }
            // Reserved: address bits above MAXPHYADDR, XD without EFER.NXE, PS in a PML4E, and the low
            // address bits of a large page (other than PAT, bit 12).
            bool large = level is 2 or 3 && (e & PageSizeBit) != 0;
            ulong reserved = (e & ~NoExecuteBit) >> MaxPhysAddr & ((1UL << (52 - MaxPhysAddr)) - 1);
            if (reserved != 0 || (!mode.NoExecute && (e & NoExecuteBit) != 0) || (level == 4 && (e & PageSizeBit) != 0)
                || (large && (e & ((1UL << shift) - 1) & ~0x1FFFUL) != 0))
            { fault = Fail(access, mode, PfPresent | PfReserved, $"reserved bit set in the level-{level} entry", refs); return null; }
            writable &= (e & Writable) != 0;
            user &= (e & UserBit) != 0;
            executable &= (e & NoExecuteBit) == 0;
            rights[level - 1] = (byte)((writable ? 1 : 0) | (user ? 2 : 0) | (executable ? 4 : 0));
            if (large || level == 1)
            {
                // Permissions (SDM Vol. 3A, 4.6): user accesses need U/S everywhere; writes need R/W
                // everywhere for users, and for the supervisor too when CR0.WP is set; fetches need XD
                // clear (with EFER.NXE); SMEP forbids supervisor fetches from user pages.
                string? denied =
                    mode.User && !user ? "user access to a supervisor page"
                    : access == AccessKind.Write && !writable && (mode.User || mode.WriteProtect) ? "write to a read-only page"
                    : access == AccessKind.Execute && mode.NoExecute && !executable ? "fetch from a no-execute page"
                    : access == AccessKind.Execute && !mode.User && mode.Smep && user ? "supervisor fetch from a user page (SMEP)"
                    : null;
                if (denied != null) { fault = Fail(access, mode, PfPresent, denied, refs); return null; }
                // Accessed on every entry used, Dirty on the leaf for a write.
                // (Entries a paging-structure cache stood for were accessed when they were cached.)
                for (int l = start; l >= level; l--)
                {
                    ulong want = entries[l - 1] | Accessed | (l == level && access == AccessKind.Write ? Dirty : 0);
                    if (want != entries[l - 1]) tables.Write(entryAddrs[l - 1], want);
                }
                if (cache.Caches is { } fill && !cache.Peek)
                    for (int l = start; l > level; l--)
                        fill.Fill(cache.Vpid, cache.Pcid, la, l, new WalkCacheEntry(entries[l - 1] & AddrMask,
                            (rights[l - 1] & 1) != 0, (rights[l - 1] & 2) != 0, (rights[l - 1] & 4) != 0));
                ulong size = 1UL << shift;
                ulong pa = (e & AddrMask & ~(size - 1)) | (la & (size - 1));
                return new Translation(pa, size, refs)
                {
                    Writable = writable, User = user, Executable = executable,
                    Dirty = (e & Dirty) != 0 || access == AccessKind.Write,
                    Global = (e & GlobalBit) != 0, StartLevel = start,
                };
            }
            table = e & AddrMask;
        }
        return null;   // not reached: level 1 always returns
    }

    static PageFault Fail(AccessKind access, in PagingMode mode, ulong bits, string reason, int references) =>
        new(bits | (access == AccessKind.Write ? PfWrite : 0) | (mode.User ? PfUser : 0)
            | (access == AccessKind.Execute && (mode.NoExecute || mode.Smep) ? PfFetch : 0), reason) { References = references };

    internal static ulong ReadEntry(PhysicalMemory mem, ulong at) =>
        BinaryPrimitives.ReadUInt64LittleEndian(mem.Frame(at >> 12).AsSpan((int)(at & 0xFFF), 8));

    internal static void WriteEntry(PhysicalMemory mem, ulong at, ulong v) =>
        BinaryPrimitives.WriteUInt64LittleEndian(mem.Frame(at >> 12).AsSpan((int)(at & 0xFFF), 8), v);

    /// <summary>Flags of a guest paging-structure entry as text ("P RW US A D PS XD"), for people reading a walk.</summary>
    public static string Describe(ulong e, int level)
    {
        if ((e & Present) == 0) return "not present";
        var parts = new List<string>(8) { "P", (e & Writable) != 0 ? "RW" : "RO", (e & UserBit) != 0 ? "US" : "S" };
        if ((e & Accessed) != 0) parts.Add("A");
        bool leaf = level == 1 || (level is 2 or 3 && (e & PageSizeBit) != 0);
        if (leaf && (e & Dirty) != 0) parts.Add("D");
        if (leaf && level > 1) parts.Add("PS");
        if ((e & NoExecuteBit) != 0) parts.Add("XD");
        return string.Join(' ', parts);
    }
}
