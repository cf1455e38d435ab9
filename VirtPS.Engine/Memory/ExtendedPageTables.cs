using System.Buffers.Binary;

namespace VirtPS.Engine.Memory;

/// <summary>
/// Extended page tables (Intel SDM Vol. 3C, 29.3): the VMM's GPA → HPA translation, 4-level, in the real EPT
/// entry format — R/W/X in bits 2:0, the memory type in bits 5:3 of a leaf, bit 7 for a 2 MiB or 1 GiB page,
/// accessed and dirty flags in bits 8 and 9 (enabled by EPTP bit 6) — in host memory the VMM owns, apart from
/// guest memory. The VMM places the guest at <see cref="HostBase"/> in host-physical space, so a GPA and its HPA
/// differ visibly; the engine still keeps guest memory indexed by GPA. Entries are made lazily, one 4 KiB frame
/// or 2 MiB region per EPT violation.
/// </summary>
public sealed class ExtendedPageTables
{
    public const ulong Read = 1, Write = 2, Execute = 4, IgnorePat = 0x40, LargePage = 0x80, Accessed = 0x100, Dirty = 0x200;
    /// <summary>EPT memory type write-back (SDM Vol. 3C, 29.3.7), in bits 5:3 of a leaf.</summary>
    public const ulong WriteBack = 6;
    /// <summary>Host MAXPHYADDR in this model: address bits at or above it are reserved.</summary>
    const int MaxPhysAddr = 39;
    const ulong AddrMask = ((1UL << MaxPhysAddr) - 1) & ~0xFFFUL;
    public const ulong SmallPage = 0x1000, LargePageSize = 0x20_0000;

    /// <summary>Where the VMM keeps its EPT tables in host-physical space (its own memory, no GPA reaches it).</summary>
    public const ulong TablesBase = 0x8000_0000;
    /// <summary>Where a guest's memory starts in host-physical space: HPA = GPA + this.</summary>
    public const ulong DefaultHostBase = 0x1_0000_0000;

    readonly PhysicalMemory _tables = new(64UL << 20);
    readonly ulong _guestSize;
    ulong _next;
    ulong _pageSize = SmallPage;

    public ExtendedPageTables(ulong guestSize, ulong hostBase = DefaultHostBase)
    {
        _guestSize = guestSize;
        HostBase = hostBase;
        Reset();
    }

    public ulong HostBase { get; }
    /// <summary>The page size the VMM maps with: 4 KiB or 2 MiB. Changing it drops every mapping.</summary>
    public ulong PageSize
    {
        get => _pageSize;
        set
        {
            ValidatePageSize(value);
            if (value == _pageSize) return;
            _pageSize = value;
            Reset();
        }
    }

    /// <summary>Refuses an EPT page size other than 4 KiB or 2 MiB (the sizes this VMM maps with), naming the value.</summary>
    public static void ValidatePageSize(ulong size)
    {
        if (size is not (SmallPage or LargePageSize))
            throw new VirtPSException(ErrorIds.InvalidEptPageSize, ErrorKind.InvalidArgument,
                $"EPT page size must be 4096 (4 KiB) or 2097152 (2 MiB); got {size}.", size);
    }

    /// <summary>The EPT pointer (SDM Vol. 3C, 25.6.11): PML4 address, write-back (6) in bits 2:0, page-walk length
    /// minus one (3) in bits 5:3, accessed/dirty flags enabled (bit 6).</summary>
    public ulong Eptp => Pml4 | WriteBack | 3 << 3 | 1 << 6;
    ulong Pml4 => TablesBase;

    /// <summary>Guest frames or regions mapped (one per EPT violation the VMM resolved), and EPT entries written.</summary>
    public long Mappings { get; private set; }
    public long EntriesWritten { get; private set; }
    /// <summary>Told when mappings were removed: whatever caches translations must forget them.</summary>
    public Action? Invalidated { get; set; }

    /// <summary>Drops every mapping: an empty PML4.</summary>
    public void Reset()
    {
        for (ulong a = 0; a < _next; a += 0x1000)
            if (_tables.IsResident(a >> 12)) Array.Clear(_tables.Frame(a >> 12));
        _next = 0x1000;
        Mappings = 0;
        Invalidated?.Invoke();
    }

    /// <summary>
    /// Translates <paramref name="gpa"/> as the processor does (SDM Vol. 3C, 29.3.2), logging each entry read in
    /// <paramref name="log"/> and counting it in <paramref name="references"/>. A guest paging-structure access
    /// (<paramref name="pagingStructure"/>) is treated as a write, EPT accessed/dirty flags being enabled (29.3.3.2).
    /// With <paramref name="setFlags"/> the walk sets accessed (and on a write, dirty) flags; without, it leaves no trace.
    /// </summary>
    public ulong? Translate(ulong gpa, AccessKind access, bool pagingStructure, bool setFlags, List<WalkReference>? log,
        ref int references, out EptFault fault) => Translate(gpa, access, pagingStructure, setFlags, log, ref references, out fault, out _);

    /// <summary>As the other overload, also giving the size of the EPT page that mapped <paramref name="gpa"/>.</summary>
    public ulong? Translate(ulong gpa, AccessKind access, bool pagingStructure, bool setFlags, List<WalkReference>? log,
        ref int references, out EptFault fault, out ulong pageSize) =>
        Translate(gpa, access, pagingStructure, setFlags, log, ref references, out fault, out pageSize, default);

    /// <summary>As the other overloads, in front of the walk the nested TLB (a hit makes no reference) and the EPT
    /// dimension's paging-structure caches (a hit skips the levels above it) of <paramref name="caches"/>.</summary>
    public ulong? Translate(ulong gpa, AccessKind access, bool pagingStructure, bool setFlags, List<WalkReference>? log,
        ref int references, out EptFault fault, out ulong pageSize, EptCacheContext caches)
    {
        fault = default;
        pageSize = 0;
        bool write = access == AccessKind.Write || pagingStructure;
        ulong need = write ? Write | Dirty : access == AccessKind.Execute ? Execute : Read;
        if (caches.Nested is { } ntlb && ntlb.TryGet(caches.Context, gpa, out var cached, caches.Peek) && (cached.Rights & need) == need)
        {
            pageSize = cached.PageSize;
            return cached.HostPage | (gpa & (cached.PageSize - 1));
        }
        ulong table = Pml4;
        ulong rights = Read | Write | Execute;
        int start = 4;
        if (caches.Walk is { } psc && (start = psc.Find(caches.Context, 0, gpa, out var upper, caches.Peek)) < 4)
        {
            table = upper.Table;
            rights = (upper.Writable ? Write : 0) | (upper.User ? Read : 0) | (upper.Executable ? Execute : 0);
        }
        Span<ulong> at = stackalloc ulong[4];
        Span<ulong> entries = stackalloc ulong[4];
        Span<ulong> upperRights = stackalloc ulong[4];
        for (int level = start; level >= 1; level--)
        {
            int shift = 12 + 9 * (level - 1);
            ulong slot = table + ((gpa >> shift) & 0x1FF) * 8;
            ulong e = ReadEntry(slot, setFlags);
            references++;
            bool leaf = level == 1 || (level is 2 or 3 && (e & LargePage) != 0);
            log?.Add(new WalkReference(WalkDimension.Nested, level, null, table, e, Describe(e, level), gpa));
            at[level - 1] = slot; entries[level - 1] = e;
            ulong perms = e & 7;
            if (perms == 0)
            {
                fault = new(EptExitKind.Violation, gpa, Qualification(access, pagingStructure, 0), level, $"EPT level-{level} entry not present");
                return null;
            }
            if (Misconfigured(e, level, leaf) is { } why)
            {
                fault = new(EptExitKind.Misconfiguration, gpa, 0, level, $"EPT level-{level} entry 0x{e:X}: {why}");
                return null;
            }
            rights &= perms;
            upperRights[level - 1] = rights;
            if (!leaf) { table = e & AddrMask; continue; }
            bool denied = write ? (rights & Write) == 0 : access == AccessKind.Execute ? (rights & Execute) == 0 : (rights & Read) == 0;
            if (denied)
            {
                fault = new(EptExitKind.Violation, gpa, Qualification(access, pagingStructure, rights), level,
                    $"EPT permissions {Describe(e, level)} deny the {(pagingStructure ? "paging-structure " : "")}{(write ? "write" : access.ToString().ToLowerInvariant())}");
                return null;
            }
            if (setFlags)
                for (int l = start; l >= level; l--)
                {
                    ulong want = entries[l - 1] | Accessed | (l == level && write ? Dirty : 0);
                    if (want != entries[l - 1]) WriteEntry(at[l - 1], want);
                }
            ulong size = pageSize = 1UL << shift;
            ulong hpa = (e & AddrMask & ~(size - 1)) | (gpa & (size - 1));
            if (!caches.Peek)
            {
                // The walk caches hold R in the "user" slot of an entry: EPT has no user/supervisor bit.
                if (caches.Walk is { } fill)
                    for (int l = start; l > level; l--)
                        fill.Fill(caches.Context, 0, gpa, l, new WalkCacheEntry(entries[l - 1] & AddrMask, (upperRights[l - 1] & Write) != 0,
                            (upperRights[l - 1] & Read) != 0, (upperRights[l - 1] & Execute) != 0));
                caches.Nested?.Fill(caches.Context, gpa, hpa, size, rights | (write || (e & Dirty) != 0 ? Dirty : 0));
            }
            return hpa;
        }
        return null;   // not reached: level 1 is always a leaf
    }

    /// <summary>EPT misconfiguration conditions (SDM Vol. 3C, 29.3.3.1): write without read (bits 2:0 = 010b or
    /// 110b; execute-only is supported here), a reserved bit (address bits from MAXPHYADDR up, bits 7:3 of a
    /// non-leaf entry, bit 7 of a PML4E, the low address bits of a large page), or a reserved memory type (2, 3, 7).</summary>
    static string? Misconfigured(ulong e, int level, bool leaf)
    {
        if ((e & 3) == 2) return "write access without read access";
        if (((e >> MaxPhysAddr) & ((1UL << (52 - MaxPhysAddr)) - 1)) != 0) return "address bits beyond MAXPHYADDR";
        if (!leaf && (e & 0xF8) != 0) return "reserved bits 7:3 set in a non-leaf entry";
        if (!leaf) return null;
        ulong type = (e >> 3) & 7;
        if (type is 2 or 3 or 7) return $"reserved memory type {type}";
        if (level > 1 && (e & ((1UL << (12 + 9 * (level - 1))) - 1) & ~0xFFFUL) != 0) return "reserved address bits in a large-page entry";
        return null;
    }

    /// <summary>Exit qualification for an EPT violation (SDM Vol. 3C, Table 28-7): bits 0-2 the access (read, write,
    /// fetch), bits 3-5 what the entries walked allow (AND of their R, W, X), bit 7 the guest linear address is
    /// valid, bit 8 set for an access to the translated address and clear for one to a guest paging-structure entry.</summary>
    public static ulong Qualification(AccessKind access, bool pagingStructure, ulong rights)
    {
        ulong q = pagingStructure || access == AccessKind.Write ? 2UL : access == AccessKind.Execute ? 4UL : 1UL;
        q |= (rights & 7) << 3;
        q |= 1UL << 7;
        if (!pagingStructure) q |= 1UL << 8;
        return q;
    }

    /// <summary>Maps the 4 KiB frame (or with 2 MiB pages the 2 MiB region, when it lies wholly in guest memory) that
    /// holds <paramref name="gpa"/>, read/write/execute and write-back, at GPA + <see cref="HostBase"/>; false if
    /// <paramref name="gpa"/> is outside guest memory. Returns the EPT entries written in <paramref name="written"/>.</summary>
    public bool Map(ulong gpa, out int written)
    {
        written = 0;
        if (gpa >= _guestSize) return false;
        ulong region = gpa & ~(LargePageSize - 1);
        bool large = _pageSize == LargePageSize && region + LargePageSize <= _guestSize;
        int leafLevel = large ? 2 : 1;
        ulong table = Pml4;
        for (int level = 4; level > leafLevel; level--)
        {
            ulong slot = table + ((gpa >> (12 + 9 * (level - 1))) & 0x1FF) * 8;
            ulong e = ReadEntry(slot, true);
            if ((e & 7) == 0)
            {
                ulong t = Alloc();
                e = t | Read | Write | Execute;
                WriteEntry(slot, e);
                written++;
            }
            table = e & AddrMask;
        }
        ulong size = large ? LargePageSize : SmallPage;
        ulong leaf = ((gpa & ~(size - 1)) + HostBase) | Read | Write | Execute | WriteBack << 3 | (large ? LargePage : 0);
        WriteEntry(table + ((gpa >> (12 + 9 * (leafLevel - 1))) & 0x1FF) * 8, leaf);
        written++;
        EntriesWritten += written;
        Mappings++;
        return true;
    }

    /// <summary>The host-physical address of the entry that maps <paramref name="gpa"/> at <paramref name="level"/>
    /// (default: the leaf, wherever it is), or null if the walk does not get there.</summary>
    public ulong? EntryAddress(ulong gpa, int level = 0)
    {
        ulong table = Pml4;
        for (int l = 4; l >= 1; l--)
        {
            ulong slot = table + ((gpa >> (12 + 9 * (l - 1))) & 0x1FF) * 8;
            if (l == level) return slot;
            ulong e = ReadEntry(slot, false);
            if ((e & 7) == 0) return null;
            if (level == 0 && (l == 1 || (e & LargePage) != 0)) return slot;
            table = e & AddrMask;
        }
        return null;
    }

    /// <summary>Reads the EPT entry at host-physical <paramref name="hpa"/> (in the VMM's table memory).</summary>
    public ulong ReadEntryAt(ulong hpa) => ReadEntry(hpa, false);

    /// <summary>Writes the EPT entry at host-physical <paramref name="hpa"/>: the VMM's own edit (or a test's corruption).</summary>
    public void WriteEntryAt(ulong hpa, ulong value)
    {
        WriteEntry(hpa, value);
        Invalidated?.Invoke();
    }

    /// <summary>EPT entry flags as text ("R W X WB A D 2M"), for people reading a walk.</summary>
    public static string Describe(ulong e, int level)
    {
        if ((e & 7) == 0) return "not present";
        var parts = new List<string>(8);
        if ((e & Read) != 0) parts.Add("R");
        if ((e & Write) != 0) parts.Add("W");
        if ((e & Execute) != 0) parts.Add("X");
        bool leaf = level == 1 || (level is 2 or 3 && (e & LargePage) != 0);
        if (leaf) parts.Add(((e >> 3) & 7) switch { 0 => "UC", 1 => "WC", 4 => "WT", 5 => "WP", 6 => "WB", var t => $"MT{t}" });
        if ((e & Accessed) != 0) parts.Add("A");
        if (leaf && (e & Dirty) != 0) parts.Add("D");
        if (leaf && level == 2) parts.Add("2M");
        if (leaf && level == 3) parts.Add("1G");
        return string.Join(' ', parts);
    }

    ulong Alloc()
    {
        ulong a = TablesBase + _next;
        _next += 0x1000;
        Array.Clear(_tables.Frame((a - TablesBase) >> 12));
        return a;
    }

    ulong ReadEntry(ulong hpa, bool allocate)
    {
        ulong off = hpa - TablesBase;
        if (!allocate && !_tables.IsResident(off >> 12)) return 0;
        return BinaryPrimitives.ReadUInt64LittleEndian(_tables.Frame(off >> 12).AsSpan((int)(off & 0xFFF), 8));
    }

    void WriteEntry(ulong hpa, ulong v)
    {
        ulong off = hpa - TablesBase;
        BinaryPrimitives.WriteUInt64LittleEndian(_tables.Frame(off >> 12).AsSpan((int)(off & 0xFFF), 8), v);
    }
}
