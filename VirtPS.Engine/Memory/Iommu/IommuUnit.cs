using System.Buffers.Binary;

namespace VirtPS.Engine.Memory.Iommu;

/// <summary>
/// A DMA-remapping hardware unit (Intel VT-d, legacy translation mode) for the devices a VMM passes through to guests.
/// Its tables live in host memory that the VMM owns, apart from every guest's (as <see cref="ExtendedPageTables"/> keeps
/// its EPT): the root table the root-table address register points at (256 root entries of 128 bits, one per bus, §9.1),
/// the context tables (256 context entries of 128 bits per bus, one per device:function, §9.3) and each domain's
/// second-level page tables (§9.8; 4 KiB pages and 2 MiB super-pages). The VMM builds them through
/// <see cref="CreateDomain"/>, <see cref="Map"/>, <see cref="Unmap"/> and <see cref="Attach(IommuDomain, byte, byte, byte, bool)"/>;
/// the hardware reads them in <see cref="Translate"/>, in front of a context cache (§6.2.2) and an IOTLB (§6.2.4) that
/// only explicit invalidation keeps coherent (§6.5), and logs what it blocks in the fault recording registers (§7.2.1).
/// Section numbers are those of the Intel Virtualization Technology for Directed I/O Architecture Specification,
/// rev. 5.10 (D51397-018), which says "second-stage" where earlier revisions said "second-level".
/// </summary>
public sealed class IommuUnit
{
    /// <summary>Where the VMM keeps the unit's tables in host-physical space.</summary>
    public const ulong TablesBase = 0x4000_0000;
    /// <summary>Bytes of host memory set aside for the tables.</summary>
    public const ulong TablesSize = 16UL << 20;
    /// <summary>Host address width (HAW) of this model: address bits at or above it are reserved in every entry.</summary>
    public const int HostAddressWidth = 46;
    /// <summary>Maximum guest address width (the capability register's MGAW).</summary>
    public const int MaxGuestAddressWidth = 48;
    public const ulong SmallPage = 0x1000, SuperPage = 0x20_0000;

    /// <summary>Root entry (§9.1): P in bit 0, context-table pointer in bits 63:12; bits 11:1 and 127:64 reserved.</summary>
    public const ulong Present = 1;
    /// <summary>Context entry (§9.3), low half: P (bit 0), FPD (bit 1), TT (bits 3:2), SLPTPTR (bits 63:12).</summary>
    public const ulong FaultProcessingDisable = 2;
    /// <summary>Second-level paging entry (§9.8, "second-stage" in rev. 5.x): R (bit 0), W (bit 1), PS (bit 7: a 2 MiB page
    /// in an SL-PDE; reserved in an SL-PML4E, and in an SL-PDPE since this unit reports no 1 GiB pages).</summary>
    public const ulong ReadBit = 1, WriteBit = 2, PageSizeBit = 0x80;

    const ulong AddressMask = ((1UL << HostAddressWidth) - 1) & ~0xFFFUL;
    const ulong HighReserved = ~((1UL << HostAddressWidth) - 1);
    // Reserved when present. Root (§9.1): lo 11:1 and 63:HAW, all of hi (127:64). Context (§9.3): lo 11:4 and 63:HAW;
    // hi bit 7 (71) and 63:24 (127:88) — hi 2:0 is AW, 6:3 ignored, 23:8 DID. Second-level (§9.8): bits 51:HAW; bit 62
    // (IW, reserved without second-stage I/O read/write; TM in older revisions, reserved without device-TLBs); bit 11
    // (reserved in non-leaf entries, SNP in leaves — reserved here as the unit reports no snoop control). 63, 60:52, 10:8
    // are ignored or A/D flags this unit does not enable.
    const ulong RootReservedLow = 0xFFE | HighReserved;
    const ulong ContextReservedLow = 0xFF0 | HighReserved;
    const ulong ContextReservedHigh = 0x80 | ~0xFF_FFFFUL;
    const ulong PagingReserved = (((1UL << 52) - 1) & HighReserved) | 1UL << 62 | 0x800;

    readonly PhysicalMemory _tables = new(TablesSize);
    readonly Dictionary<ushort, IommuDomain> _domains = [];
    readonly Dictionary<ushort, (ulong Low, ulong High)> _contextCache = [];
    ulong _next;

    public IommuUnit(int iotlbEntries = 32, int faultRecords = 8)
    {
        Iotlb = new Iotlb(iotlbEntries);
        FaultLog = new FaultRecordingRegisters(faultRecords);
        RootTableAddress = AllocateTable();
    }

    /// <summary>The host memory holding the tables, indexed from <see cref="TablesBase"/> (an HPA h is at h − TablesBase).</summary>
    public PhysicalMemory TableMemory => _tables;
    /// <summary>The root-table address register (RTADDR_REG, §11.4.5: RTA in bits 63:12; TTM 00b, legacy mode).</summary>
    public ulong RootTableAddress { get; set; }
    public Iotlb Iotlb { get; }
    public FaultRecordingRegisters FaultLog { get; }
    public IReadOnlyCollection<IommuDomain> Domains => _domains.Values;

    /// <summary>Translation requests, table entries read by the hardware (root, context and second-level), faults
    /// (recorded or not), context-cache hits and misses, IOTLB hits and misses.</summary>
    public long Translations { get; private set; }
    public long PageWalkReferences { get; private set; }
    public long Faults { get; private set; }
    public long ContextCacheHits { get; private set; }
    public long ContextCacheMisses { get; private set; }
    public long IotlbHits => Iotlb.Hits;
    public long IotlbMisses => Iotlb.Misses;
    public DmaRemappingFault? LastFault { get; private set; }

    // ---- the VMM's side: building domains ----

    /// <summary>Makes an empty domain: its top-level second-level table (3 levels for 39 bits, 4 for 48).</summary>
    public IommuDomain CreateDomain(ushort domainId, IommuAddressWidth addressWidth)
    {
        if (addressWidth is not (IommuAddressWidth.Bits39 or IommuAddressWidth.Bits48))
            throw new ArgumentOutOfRangeException(nameof(addressWidth), $"Address width must be 39 or 48 bits; got {(int)addressWidth}.");
        if (_domains.ContainsKey(domainId)) throw new ArgumentException($"Domain {domainId} already exists.", nameof(domainId));
        var d = new IommuDomain(domainId, addressWidth, AllocateTable());
        _domains.Add(domainId, d);
        return d;
    }

    public IommuDomain Domain(ushort domainId) =>
        _domains.TryGetValue(domainId, out var d) ? d : throw new ArgumentException($"No domain {domainId}.", nameof(domainId));

    /// <summary>
    /// Maps [<paramref name="iova"/>, +<paramref name="size"/>) of <paramref name="domain"/> to host-physical
    /// [<paramref name="hpa"/>, +size) with the rights given, using 2 MiB super-pages (an SL-PDE with PS set) wherever
    /// both addresses are 2 MiB aligned and a whole 2 MiB remains, unless <paramref name="superPages"/> is false. All
    /// addresses and the size must be 4 KiB aligned, and no page of the range may already be mapped. Non-leaf entries
    /// allow read and write; the leaf holds the rights. Like hardware, the IOTLB is not told: a mapping is new, so
    /// nothing cached can be stale.
    /// </summary>
    public void Map(IommuDomain domain, ulong iova, ulong hpa, ulong size, bool read, bool write, bool superPages = true)
    {
        Own(domain);
        if (!read && !write) throw new ArgumentException("A mapping allows read, write or both.", nameof(read));
        CheckRange(domain, iova, size);
        if ((hpa & (SmallPage - 1)) != 0) throw new ArgumentException($"Host address 0x{hpa:X} is not 4 KiB aligned.", nameof(hpa));
        if (hpa >= 1UL << HostAddressWidth || size > (1UL << HostAddressWidth) - hpa)
            throw new ArgumentOutOfRangeException(nameof(hpa), $"0x{hpa:X}+0x{size:X} is beyond the {HostAddressWidth}-bit host address width.");
        for (ulong off = 0; off < size;)
        {
            if (FindLeaf(domain, iova + off, out _, out _, out _))
                throw new InvalidOperationException($"IOVA 0x{iova + off:X} of domain {domain.Id} is already mapped.");
            off += SmallPage;
        }
        ulong rights = (read ? ReadBit : 0) | (write ? WriteBit : 0);
        for (ulong off = 0; off < size;)
        {
            ulong va = iova + off, pa = hpa + off;
            ulong pde = Descend(domain, va, 2);
            if (superPages && (va & (SuperPage - 1)) == 0 && (pa & (SuperPage - 1)) == 0 && size - off >= SuperPage && ReadEntry(pde) == 0)
            {
                WriteEntry(pde, pa | PageSizeBit | rights);
                off += SuperPage;
                continue;
            }
            ulong pt = ReadEntry(pde) is var e && e != 0 ? e & AddressMask : NewTable(pde);
            WriteEntry(pt + Index(va, 1) * 8, pa | rights);
            off += SmallPage;
        }
        domain.MappedBytes += size;
    }

    /// <summary>The domain's mappings as its second-level tables hold them, read from the tables (not from a record kept on
    /// the side), with neighbouring pages of the same rights and contiguous host addresses merged into one run.</summary>
    public IReadOnlyList<IommuMapping> Mappings(IommuDomain domain)
    {
        Own(domain);
        var runs = new List<IommuMapping>();
        void Walk(ulong table, int level, ulong baseIova)
        {
            for (ulong i = 0; i < 512; i++)
            {
                ulong e = ReadEntry(table + i * 8);
                if ((e & (ReadBit | WriteBit)) == 0) continue;   // not present: neither read nor write (§9.8)
                ulong iova = baseIova + (i << (12 + 9 * (level - 1)));
                bool leaf = level == 1 || (level == 2 && (e & PageSizeBit) != 0);
                if (!leaf) { Walk(e & AddressMask, level - 1, iova); continue; }
                ulong size = level == 1 ? SmallPage : SuperPage;
                bool r = (e & ReadBit) != 0, w = (e & WriteBit) != 0;
                ulong hpa = e & AddressMask & ~(size - 1);
                if (runs.Count > 0 && runs[^1] is var last && last.Iova + last.Size == iova && last.HostAddress + last.Size == hpa
                    && last.Read == r && last.Write == w)
                    runs[^1] = last with { Size = last.Size + size };
                else runs.Add(new IommuMapping(domain.Id, iova, hpa, size, r, w));
            }
        }
        Walk(domain.PageTableRoot, domain.Levels, 0);
        return runs;
    }

    /// <summary>
    /// Removes the mappings of [<paramref name="iova"/>, +<paramref name="size"/>) (pages not mapped are skipped; a
    /// 2 MiB super-page must be inside the range whole). Returns the bytes unmapped. As on hardware, the IOTLB still holds
    /// what it cached until the VMM invalidates it (<see cref="InvalidateIotlb(IommuDomain, ulong, ulong)"/>).
    /// </summary>
    public ulong Unmap(IommuDomain domain, ulong iova, ulong size)
    {
        Own(domain);
        CheckRange(domain, iova, size);
        var leaves = new List<(ulong Slot, ulong Size)>();
        for (ulong off = 0; off < size;)
        {
            ulong va = iova + off;
            if (!FindLeaf(domain, va, out ulong slot, out _, out ulong ps)) { off += SmallPage; continue; }
            if (ps == SuperPage && ((va & (SuperPage - 1)) != 0 || size - off < SuperPage))
                throw new ArgumentException($"Unmapping part of the 2 MiB page at IOVA 0x{va & ~(SuperPage - 1):X}; unmap it whole.", nameof(size));
            leaves.Add((slot, ps));
            off += ps;
        }
        ulong bytes = 0;
        foreach (var (slot, ps) in leaves) { WriteEntry(slot, 0); bytes += ps; }
        domain.MappedBytes -= bytes;
        return bytes;
    }

    /// <summary>
    /// Puts device <paramref name="bus"/>:<paramref name="device"/>.<paramref name="function"/> into <paramref name="domain"/>:
    /// makes the bus's root entry present with a context table if it was not, and writes the device's context entry —
    /// present, FPD as given, TT 00b (untranslated requests through second-level tables), AW of the domain, SLPTPTR the
    /// domain's top table, DID the domain id. A device that was attached elsewhere moves; the VMM then invalidates the
    /// context cache and the IOTLB, as software must after changing a present context entry (§6.5).
    /// </summary>
    public void Attach(IommuDomain domain, byte bus, byte device, byte function, bool faultProcessingDisable = false) =>
        Attach(domain, new SourceId(bus, device, function), faultProcessingDisable);

    public void Attach(IommuDomain domain, SourceId source, bool faultProcessingDisable = false)
    {
        Own(domain);
        ulong rootSlot = (RootTableAddress & AddressMask) + source.Bus * 16UL;
        ulong root = ReadEntry(rootSlot);
        ulong contextTable;
        if ((root & Present) == 0)
        {
            contextTable = AllocateTable();
            WriteEntry(rootSlot + 8, 0);
            WriteEntry(rootSlot, contextTable | Present);
        }
        else contextTable = root & AddressMask;
        ulong slot = contextTable + source.DevFn * 16UL;
        DetachFromDomains(source);
        WriteEntry(slot + 8, domain.AwField | (ulong)domain.Id << 8);
        WriteEntry(slot, domain.PageTableRoot | (faultProcessingDisable ? FaultProcessingDisable : 0) | 0UL << 2 | Present);
        domain.DeviceList.Add(source);
    }

    /// <summary>Clears the device's context entry (its root entry stays); the VMM then invalidates the caches.</summary>
    public void Detach(SourceId source)
    {
        ulong root = ReadEntry((RootTableAddress & AddressMask) + source.Bus * 16UL);
        if ((root & Present) == 0) return;
        ulong slot = (root & AddressMask) + source.DevFn * 16UL;
        WriteEntry(slot, 0);
        WriteEntry(slot + 8, 0);
        DetachFromDomains(source);
    }

    // ---- invalidation (§6.5.1 register-based invalidation: the context command register, §6.5.1.1, with global,
    // domain-selective and device-selective granularity; the IOTLB registers, §6.5.1.2, global, domain-selective and
    // page-selective) ----

    /// <summary>Global context-cache invalidation. Returns the entries dropped.</summary>
    public int InvalidateContextCache() { int n = _contextCache.Count; _contextCache.Clear(); return n; }

    /// <summary>Device-selective context-cache invalidation.</summary>
    public int InvalidateContextCache(SourceId source) => _contextCache.Remove(source.Value) ? 1 : 0;

    /// <summary>Domain-selective context-cache invalidation: every cached context entry with this domain id.</summary>
    public int InvalidateContextCache(IommuDomain domain)
    {
        var keys = _contextCache.Where(kv => (ushort)(kv.Value.High >> 8) == domain.Id).Select(kv => kv.Key).ToList();
        foreach (var k in keys) _contextCache.Remove(k);
        return keys.Count;
    }

    /// <summary>Global IOTLB invalidation.</summary>
    public int InvalidateIotlb() => Iotlb.InvalidateAll();

    /// <summary>Domain-selective IOTLB invalidation.</summary>
    public int InvalidateIotlb(IommuDomain domain) => Iotlb.InvalidateDomain(domain.Id);

    /// <summary>Page-selective IOTLB invalidation of [iova, +size) in the domain.</summary>
    public int InvalidateIotlb(IommuDomain domain, ulong iova, ulong size) => Iotlb.InvalidateRange(domain.Id, iova, size);

    // ---- the hardware's side: translating requests ----

    /// <summary>
    /// Translates an untranslated DMA request of <paramref name="source"/> at <paramref name="iova"/> as the hardware does
    /// in legacy mode (§3.4.2 legacy-mode address translation; §3.7 second-stage translation, §3.7.1 access rights): the
    /// root entry of the bus, the context entry of device:function (both
    /// through the context cache), the address-width check, then the IOTLB or a walk of the domain's second-level table,
    /// the rights being the AND over every level. A blocked request is a <see cref="DmaRemappingFault"/> with the fault
    /// reason of the spec's table, logged in <see cref="FaultLog"/> unless the context entry's FPD is set.
    /// </summary>
    public IommuTranslation Translate(SourceId source, ulong iova, AccessKind access)
    {
        if (access == AccessKind.Execute)
            throw new ArgumentException("A DMA request reads or writes; execute requests are not part of legacy-mode remapping.", nameof(access));
        Translations++;
        int refs = 0;
        bool write = access == AccessKind.Write;

        IommuTranslation Fail(DmaFaultReason reason, string text, bool fpd = false)
        {
            PageWalkReferences += refs;
            var f = new DmaRemappingFault(source, iova, access, reason, text);
            Faults++;
            LastFault = f;
            if (!fpd) FaultLog.Record(f);
            return new IommuTranslation(0, 0, f, false, refs);
        }

        if (_contextCache.TryGetValue(source.Value, out var ctx)) ContextCacheHits++;
        else
        {
            ContextCacheMisses++;
            ulong rootSlot = (RootTableAddress & AddressMask) + source.Bus * 16UL;
            if (!TryReadEntry(rootSlot, out ulong rlo) || !TryReadEntry(rootSlot + 8, out ulong rhi))
                return Fail(DmaFaultReason.RootTableAccessError, $"root table at 0x{RootTableAddress:X} is not in host memory");
            refs++;
            if ((rlo & Present) == 0) return Fail(DmaFaultReason.RootEntryNotPresent, $"root entry of bus {source.Bus:x2} not present");
            if ((rlo & RootReservedLow) != 0 || rhi != 0)
                return Fail(DmaFaultReason.RootEntryReserved, $"root entry of bus {source.Bus:x2} has reserved bits set (0x{rhi:X16}{rlo:X16})");
            ulong slot = (rlo & AddressMask) + source.DevFn * 16UL;
            if (!TryReadEntry(slot, out ulong clo) || !TryReadEntry(slot + 8, out ulong chi))
                return Fail(DmaFaultReason.ContextTableAccessError, $"context table at 0x{rlo & AddressMask:X} is not in host memory");
            refs++;
            bool cfpd = (clo & FaultProcessingDisable) != 0;   // evaluated whether or not P is set (§9.3)
            if ((clo & Present) == 0) return Fail(DmaFaultReason.ContextEntryNotPresent, $"context entry of {source} not present", cfpd);
            if ((clo & ContextReservedLow) != 0 || (chi & ContextReservedHigh) != 0)
                return Fail(DmaFaultReason.ContextEntryReserved, $"context entry of {source} has reserved bits set (0x{chi:X16}{clo:X16})", cfpd);
            ulong tt = (clo >> 2) & 3;
            if (tt != 0) return Fail(DmaFaultReason.InvalidContextEntry, $"context entry of {source}: translation type {tt} not supported", cfpd);
            ulong aw = chi & 7;
            if (aw is not (1 or 2)) return Fail(DmaFaultReason.InvalidContextEntry, $"context entry of {source}: address width {aw} not supported", cfpd);
            ctx = (clo, chi);
            _contextCache[source.Value] = ctx;
        }

        bool fpd = (ctx.Low & FaultProcessingDisable) != 0;
        ushort did = (ushort)(ctx.High >> 8);
        int levels = (ctx.High & 7) == 2 ? 4 : 3;
        int width = Math.Min(MaxGuestAddressWidth, 30 + 9 * (levels - 2));   // 39 or 48
        if (iova >> width != 0) return Fail(DmaFaultReason.AddressBeyondAgaw, $"IOVA 0x{iova:X} is beyond the {width}-bit address width", fpd);

        if (Iotlb.TryGet(did, iova, out var hit))
        {
            if (write ? !hit.Write : !hit.Read) return Fail(Denied(), $"{(write ? "write to a read-only" : "read of a write-only")} page (IOTLB)", fpd);
            ulong hpa = hit.HostPage | (iova - hit.IovaPage);
            if (InInterruptRange(hpa)) return Fail(DmaFaultReason.InterruptAddressRange, $"output address 0x{hpa:X} is in the interrupt address range", fpd);
            PageWalkReferences += refs;
            return new IommuTranslation(hpa, hit.PageSize, null, true, refs);
        }

        ulong table = ctx.Low & AddressMask;
        bool r = true, w = true;
        for (int level = levels; level >= 1; level--)
        {
            int shift = 12 + 9 * (level - 1);
            ulong slot = table + Index(iova, level) * 8;
            if (!TryReadEntry(slot, out ulong e))
                return level == levels
                    ? Fail(DmaFaultReason.InvalidContextEntry, $"second-level table at 0x{table:X} (SLPTPTR) is not in host memory", fpd)
                    : Fail(DmaFaultReason.PagingEntryAccessError, $"level-{level} table at 0x{table:X} is not in host memory", fpd);
            refs++;
            if ((e & (ReadBit | WriteBit)) == 0) return Fail(Denied(), $"level-{level} entry not present", fpd);
            bool ps = (e & PageSizeBit) != 0;
            if ((e & PagingReserved) != 0 || (ps && level >= 3) || (ps && level == 2 && (e & (SuperPage - 1) & ~0xFFFUL) != 0))
                return Fail(DmaFaultReason.PagingEntryReserved, $"level-{level} entry 0x{e:X} has reserved bits set", fpd);
            r &= (e & ReadBit) != 0;
            w &= (e & WriteBit) != 0;
            if (level == 1 || ps)
            {
                ulong pageSize = 1UL << shift;
                ulong page = e & AddressMask & ~(pageSize - 1);
                ulong iovaPage = iova & ~(pageSize - 1);
                if (write ? !w : !r) return Fail(Denied(), write ? "write to a read-only page" : "read without read permission", fpd);
                ulong hpa = page | (iova - iovaPage);
                if (InInterruptRange(hpa)) return Fail(DmaFaultReason.InterruptAddressRange, $"output address 0x{hpa:X} is in the interrupt address range", fpd);
                Iotlb.Insert(new IotlbEntry(did, iovaPage, page, pageSize, r, w));
                PageWalkReferences += refs;
                return new IommuTranslation(hpa, pageSize, null, false, refs);
            }
            table = e & AddressMask;
        }
        throw new InvalidOperationException("unreachable");

        DmaFaultReason Denied() => write ? DmaFaultReason.WriteNotPermitted : DmaFaultReason.ReadNotPermitted;
    }

    // ---- tables in host memory ----

    /// <summary>The interrupt address range FEEx_xxxxh: DMA writes there are MSIs, never memory (§3.15, Table 30 LGN.4).</summary>
    static bool InInterruptRange(ulong hpa) => hpa >> 20 == 0xFEE;

    static ulong Index(ulong iova, int level) => (iova >> (12 + 9 * (level - 1))) & 0x1FF;

    void Own(IommuDomain domain)
    {
        if (!_domains.TryGetValue(domain.Id, out var d) || !ReferenceEquals(d, domain))
            throw new ArgumentException($"Domain {domain.Id} does not belong to this unit.", nameof(domain));
    }

    static void CheckRange(IommuDomain domain, ulong iova, ulong size)
    {
        if (size == 0 || ((iova | size) & (SmallPage - 1)) != 0)
            throw new ArgumentException($"IOVA 0x{iova:X} and size 0x{size:X} must be non-zero multiples of 4 KiB.", nameof(size));
        ulong limit = 1UL << (int)domain.AddressWidth;
        if (iova >= limit || size > limit - iova)
            throw new ArgumentOutOfRangeException(nameof(iova), $"0x{iova:X}+0x{size:X} is beyond the domain's {(int)domain.AddressWidth}-bit address width.");
    }

    void DetachFromDomains(SourceId source)
    {
        foreach (var d in _domains.Values) d.DeviceList.Remove(source);
    }

    /// <summary>The slot of the level-<paramref name="level"/> entry for <paramref name="iova"/>, making the tables above it.</summary>
    ulong Descend(IommuDomain domain, ulong iova, int level)
    {
        ulong table = domain.PageTableRoot;
        for (int l = domain.Levels; l > level; l--)
        {
            ulong slot = table + Index(iova, l) * 8;
            ulong e = ReadEntry(slot);
            table = e != 0 ? e & AddressMask : NewTable(slot);
        }
        return table + Index(iova, level) * 8;
    }

    /// <summary>The VMM's own look-up of a leaf, touching no counter and making no table.</summary>
    bool FindLeaf(IommuDomain domain, ulong iova, out ulong slot, out ulong entry, out ulong pageSize)
    {
        ulong table = domain.PageTableRoot;
        for (int l = domain.Levels; l >= 1; l--)
        {
            slot = table + Index(iova, l) * 8;
            entry = ReadEntry(slot);
            pageSize = 1UL << (12 + 9 * (l - 1));
            if (entry == 0) break;
            if (l == 1 || (entry & PageSizeBit) != 0) return true;
            table = entry & AddressMask;
        }
        slot = entry = 0;
        pageSize = SmallPage;
        return false;
    }

    ulong NewTable(ulong slot)
    {
        ulong t = AllocateTable();
        WriteEntry(slot, t | ReadBit | WriteBit);
        return t;
    }

    ulong AllocateTable()
    {
        if (_next + SmallPage > TablesSize) throw new InvalidOperationException("The IOMMU's table memory is full.");
        ulong a = TablesBase + _next;
        _next += SmallPage;
        _tables.Write(a - TablesBase, new byte[SmallPage]);
        return a;
    }

    bool TryReadEntry(ulong hpa, out ulong value)
    {
        value = 0;
        if (hpa < TablesBase || hpa - TablesBase > TablesSize - 8) return false;
        value = ReadEntry(hpa);
        return true;
    }

    ulong ReadEntry(ulong hpa)
    {
        Span<byte> b = stackalloc byte[8];
        _tables.Read(hpa - TablesBase, b);
        return BinaryPrimitives.ReadUInt64LittleEndian(b);
    }

    void WriteEntry(ulong hpa, ulong value)
    {
        Span<byte> b = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(b, value);
        _tables.Write(hpa - TablesBase, b);
    }
}
