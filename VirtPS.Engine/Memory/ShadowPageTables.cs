using System.Buffers.Binary;

namespace VirtPS.Engine.Memory;

/// <summary>Why the shadow walk missed: a hidden fault the VMM resolves by filling the shadow, a write to a
/// guest page-table page (traced and emulated), or a true guest fault it reflects to the guest.</summary>
public enum ShadowFaultKind { Hidden, Tracing, True }

/// <summary>
/// Shadow paging, as software VMMs and first-generation VT-x did it: the processor walks real x86-64 tables
/// that the VMM builds in its own memory, mapping guest-virtual pages straight to the host frames behind
/// them (GVA → HPA), while the guest's own tables (GVA → GPA) are only read by the VMM. The VMM fills
/// shadow entries lazily on hidden faults, write-protects every guest page-table page it has walked (so a
/// guest PTE write traps and the entries derived from that page are zapped), maps a page writable only
/// once the guest's dirty bit is set (so it can set D as hardware would), and keeps one shadow root per
/// guest CR3 in a small cache. In this model the VMM backs guest-physical page n with host frame n.
/// </summary>
public sealed class ShadowPageTables
{
    /// <summary>Shadow roots kept at once; loading a CR3 beyond them rebuilds (the least recently used goes).</summary>
    public const int MaxRoots = 8;
    const ulong AddrMask = 0x000F_FFFF_FFFF_F000;
    const ulong TableFlags = PageWalker.Present | PageWalker.Writable | PageWalker.UserBit;

    sealed class Root(ulong key, ulong table)
    {
        public readonly ulong Key = key, Table = table;
        public readonly List<ulong> Frames = [table];
        public bool Live = true;
        public long LastUse;
    }

    readonly PhysicalMemory _guest;
    /// <summary>The VMM's own memory: the guest has no address that reaches it.</summary>
    readonly PhysicalMemory _vmm = new(1UL << 30);
    readonly Stack<ulong> _free = new();
    ulong _next = 0x1000;
    readonly Dictionary<ulong, Root> _roots = [];
    Root? _current;
    long _clock;
    // Guest page-table frame -> shadow leaves filled through it (zapped when the guest writes that frame).
    readonly Dictionary<ulong, HashSet<(Root Root, ulong Page)>> _derived = [];
    // Guest frame -> shadow leaves that map it writable (made read-only if it turns out to be a page table).
    readonly Dictionary<ulong, List<(Root, ulong)>> _writable = [];

    // Guest page-table frame -> where each shadow root met it: the level it serves at and the base of the
    // linear region it maps, so the VMM can tell which address an entry written there translates.
    readonly Dictionary<ulong, HashSet<(Root Root, int Level, ulong Base)>> _tableAt = [];
    // Guest-physical addresses of traced writes not yet applied to the shadow (applied once the write landed).
    readonly List<ulong> _pendingWrites = [];
    PagingMode _mode;

    // Tracing writes to a protected frame since a walk last went through it.
    readonly Dictionary<ulong, int> _writesSinceWalk = [];
    /// <summary>Consecutive traced writes with no walk in between after which a page stops being treated as a
    /// page table (unless the running address space walks through it).</summary>
    public const int FloodWrites = 4;

    public ShadowPageTables(PhysicalMemory guest) => _guest = guest;

    /// <summary>Frames given up as page tables after write flooding.</summary>
    public long Unprotected { get; private set; }
    /// <summary>Told of each guest frame given up as a page table after a write flood, for the VMM's diagnostics.</summary>
    public Action<ulong>? FloodUnprotected { get; set; }

    /// <summary>Told of every fault the shadow takes (hidden, tracing, true): the VMM records it in its ledger; the
    /// shadow keeps no count of its own.</summary>
    public Action<ShadowFaultKind, ulong>? Fault { get; set; }
    /// <summary>Told when every mapping was dropped (a reset): whatever caches translations must forget them all.</summary>
    public Action? Invalidated { get; set; }
    /// <summary>Told of each shadow leaf cleared (zapped, narrowed, INVLPG), with its linear address: whatever caches
    /// translations forgets that page only.</summary>
    public Action<ulong>? PageInvalidated { get; set; }

    /// <summary>Writes to protected frames the VMM made itself (<see cref="VmmWrite"/>): no fault, same shadow update.</summary>
    public long VmmWrites { get; private set; }
    /// <summary>Shadow entries written from a guest PTE the guest had just written (prefetch, as KVM's mmu_pte_write).</summary>
    public long Prefetches { get; private set; }
    /// <summary>Set while the VMM performs a guest write itself (adaptive binary translation's callout): a write to
    /// a protected frame is then not a tracing fault, but the shadow is updated from it all the same.</summary>
    public bool VmmWrite { get; set; }
    /// <summary>Shadow entries written (fills) and cleared (zaps, INVLPG).</summary>
    public long Fills { get; private set; }
    public long Zaps { get; private set; }
    /// <summary>Guest CR3 values that needed a new shadow root.</summary>
    public long RootBuilds { get; private set; }
    public int Roots => _roots.Count;
    /// <summary>Guest frames currently write-protected because they hold guest page tables.</summary>
    public int ProtectedFrames => _derived.Count;

    /// <summary>
    /// Translates <paramref name="la"/> for the guest whose CR3 is <paramref name="guestCr3"/>: through the
    /// shadow if it has the entry, else by walking the guest's tables and filling it. Returns null for a
    /// true guest fault (<paramref name="fault"/> holds the guest's own #PF error code). A write to a guest
    /// page table is let through once and not cacheable (<paramref name="cacheable"/> false): the VMM emulates it.
    /// </summary>
    public ulong? Translate(ulong guestCr3, ulong la, AccessKind access, in PagingMode mode, out PageFault fault, out bool cacheable) =>
        Translate(guestCr3, la, access, mode, out fault, out cacheable, out _);

    /// <summary>As the other overload, also giving the hardware's walk of the shadow (<paramref name="hardware"/>: the
    /// leaf's rights, what a TLB caches) when the access is cacheable; default otherwise.</summary>
    public ulong? Translate(ulong guestCr3, ulong la, AccessKind access, in PagingMode mode, out PageFault fault, out bool cacheable,
        out Translation hardware) => Translate(guestCr3, la, access, mode, out fault, out cacheable, out hardware, out _, default);

    /// <summary>As the other overloads, with the processor's paging-structure caches in front of its walks of the shadow
    /// (<paramref name="caches"/>), and the memory references the hardware's walk of the shadow made
    /// (<paramref name="references"/>), also when it missed and the VMM took the fault).</summary>
    public ulong? Translate(ulong guestCr3, ulong la, AccessKind access, in PagingMode mode, out PageFault fault, out bool cacheable,
        out Translation hardware, out int references, WalkCacheContext caches)
    {
        cacheable = true;
        hardware = default;
        if (_pendingWrites.Count > 0) WriteLanded();   // a write that faulted part-way: apply what is known
        var root = RootFor(guestCr3);
        var shadowMode = mode with { Cr3 = root.Table, WriteProtect = true };
        if (PageWalker.Walk(_vmm, la, access, shadowMode, out fault, default, caches) is { } hit)
        {
            references = hit.References;
            hardware = hit;
            return hit.Physical;
        }
        references = fault.References;

        Span<ulong> tables = [ulong.MaxValue, ulong.MaxValue, ulong.MaxValue, ulong.MaxValue];
        if (PageWalker.Walk(_guest, la, access, mode, out fault, tables) is not { } g)
        {
            Fault?.Invoke(ShadowFaultKind.True, la);
            return null;
        }
        ulong frame = g.Physical >> 12;
        if (access == AccessKind.Write && _derived.ContainsKey(frame))
        {
            if (VmmWrite) VmmWrites++;
            else
            {
                Fault?.Invoke(ShadowFaultKind.Tracing, la);
            }
            cacheable = false;
            // Write flooding (as KVM detects it): a page written again and again with no walk through it in
            // between has most likely stopped being a page table, e.g. a freed table reused as data. It is
            // unprotected; the next walk through it protects it again. A table the running address space
            // walks through is still a page table, whatever the writes look like.
            int n = _writesSinceWalk.GetValueOrDefault(frame) + 1;
            if (n >= FloodWrites && !WalkedBy(root, frame))
            {
                Zap(frame);
                _derived.Remove(frame);
                _tableAt.Remove(frame);
                _writesSinceWalk.Remove(frame);
                Unprotected++;
                FloodUnprotected?.Invoke(frame);
            }
            else
            {
                _writesSinceWalk[frame] = n;
                _mode = mode;
                _pendingWrites.Add(g.Physical);   // applied by WriteLanded, once the guest's value is in place
            }
            return g.Physical;
        }
        Fault?.Invoke(ShadowFaultKind.Hidden, la);
        FillFromWalk(root, la, g, tables, mode);
        if (g.PageSize > 4096) PrefetchNeighbours(root, la, g, tables, mode);
        if (PageWalker.Walk(_vmm, la, access, shadowMode, out fault, default, caches) is { } t2) { references += t2.References; hardware = t2; return t2.Physical; }
        cacheable = false;
        return g.Physical;
    }

    /// <summary>Fills the shadow leaf for <paramref name="la"/> from a guest walk, protecting the tables it read.</summary>
    void FillFromWalk(Root root, ulong la, in Translation g, ReadOnlySpan<ulong> tables, in PagingMode mode)
    {
        ulong page = la >> 12, frame = g.Physical >> 12;
        for (int i = 0; i < tables.Length; i++)
        {
            ulong t = tables[i];
            if (t == ulong.MaxValue) continue;
            if (!_derived.TryGetValue(t >> 12, out var set)) { _derived[t >> 12] = set = []; WriteProtect(t >> 12); }
            set.Add((root, page));
            int level = 4 - i;
            if (!_tableAt.TryGetValue(t >> 12, out var at)) _tableAt[t >> 12] = at = [];
            at.Add((root, level, la & ~((1UL << (12 + 9 * level)) - 1) & 0xFFFF_FFFF_FFFF));
            _writesSinceWalk.Remove(t >> 12);
        }
        bool writable = (g.Writable || (!mode.User && !mode.WriteProtect)) && g.Dirty && !_derived.ContainsKey(frame);
        Fill(root, la, frame, writable, g.User, g.Executable);
        if (writable)
        {
            if (!_writable.TryGetValue(frame, out var l)) _writable[frame] = l = [];
            l.Add((root, page));
        }
    }

    /// <summary>Shadow leaves filled ahead of use for neighbours of a faulting page inside a guest large page.</summary>
    public long NeighbourPrefetches { get; private set; }
    /// <summary>Neighbouring 4 KiB pages filled together on a hidden fault inside a guest large page (KVM's
    /// PTE_PREFETCH_NUM, arch/x86/kvm/mmu/mmu.c: 8 aligned entries of a direct shadow page).</summary>
    public const int PrefetchPages = 8;

    /// <summary>
    /// A guest large page is shadowed by 4 KiB leaves (its range may hold write-protected page tables), so one
    /// hidden fault fills the aligned group of <see cref="PrefetchPages"/> around it: the guest's one large
    /// entry already gives every frame and permission, so no further walk is needed, and the entry's accessed
    /// bit is already set by the walk that faulted.
    /// </summary>
    void PrefetchNeighbours(Root root, ulong la, in Translation g, ReadOnlySpan<ulong> tables, in PagingMode mode)
    {
        ulong group = la & ~((ulong)PrefetchPages * 4096 - 1), largeBase = la & ~(g.PageSize - 1);
        ulong frameBase = (g.Physical & ~(g.PageSize - 1)) >> 12;
        for (int k = 0; k < PrefetchPages; k++)
        {
            ulong n = group + (ulong)k * 4096;
            if (n == (la & ~0xFFFUL) || n < largeBase || n >= largeBase + g.PageSize) continue;
            if (PageWalker.Walk(_vmm, n, AccessKind.Read, mode with { Cr3 = root.Table, WriteProtect = true }, out _) is not null) continue;
            ulong frame = frameBase + ((n - largeBase) >> 12);
            bool writable = (g.Writable || (!mode.User && !mode.WriteProtect)) && g.Dirty && !_derived.ContainsKey(frame);
            Fill(root, n, frame, writable, g.User, g.Executable);
            NeighbourPrefetches++;
            if (writable)
            {
                if (!_writable.TryGetValue(frame, out var l)) _writable[frame] = l = [];
                l.Add((root, n >> 12));
            }
            // Shadow leaves derived through the guest's tables are zapped when those tables change.
            foreach (ulong t in tables)
                if (t != ulong.MaxValue) _derived[t >> 12].Add((root, n >> 12));
        }
    }

    /// <summary>Whether <paramref name="root"/>'s address space walks through guest frame <paramref name="frame"/>.</summary>
    bool WalkedBy(Root root, ulong frame) => _tableAt.TryGetValue(frame, out var at) && at.Any(u => ReferenceEquals(u.Root, root));

    /// <summary>
    /// A traced (or VMM-made) write to a guest page table has landed: each shadow entry derived from the
    /// entry written is brought up to date. For a page-table entry (level 1) the new guest PTE is read and,
    /// when the hardware walk would set no accessed bit, copied into the shadow at once (prefetch, as KVM's
    /// mmu_pte_write does), so a guest that writes a PTE and then touches the page takes no hidden fault; for
    /// a higher-level entry every shadow leaf under it is zapped. Each fill and zap is counted.
    /// </summary>
    public void WriteLanded()
    {
        if (_pendingWrites.Count == 0) return;
        var writes = _pendingWrites.ToArray();
        _pendingWrites.Clear();
        foreach (ulong pa in writes)
        {
            ulong frame = pa >> 12;
            if (!_tableAt.TryGetValue(frame, out var uses) || !_derived.TryGetValue(frame, out var derived)) continue;
            // An unaligned write may reach two entries.
            int first = (int)(pa & 0xFFF) / 8, last = Math.Min(511, ((int)(pa & 0xFFF) + 7) / 8);
            foreach (var (root, level, regionBase) in uses.ToArray())
            {
                if (!root.Live) { uses.Remove((root, level, regionBase)); continue; }
                int shift = 12 + 9 * (level - 1);
                for (int idx = first; idx <= last; idx++)
                {
                    ulong la = Canonical(regionBase + ((ulong)idx << shift));
                    if (level == 1) Refresh(root, la);
                    else
                    {
                        ulong lo = la >> 12, hi = lo + (1UL << (shift - 12));
                        foreach (var (r, page) in derived.Where(d => ReferenceEquals(d.Root, root) && d.Page - lo < hi - lo).ToArray())
                        {
                            ClearLeaf(r, page);
                            derived.Remove((r, page));
                        }
                    }
                }
            }
        }
    }

    /// <summary>Re-derives the shadow leaf for <paramref name="la"/> in <paramref name="root"/> from the guest's
    /// tables; true if a leaf that was there had to go (so cached translations must be dropped).</summary>
    bool Refresh(Root root, ulong la)
    {
        bool cleared = ClearLeaf(root, la >> 12);
        var mode = _mode with { Cr3 = root.Key, User = false };
        if (AllAccessed(root.Key, la))
        {
            // Every entry on the path has A set, so this read walk writes nothing to the guest's tables.
            Span<ulong> tables = [ulong.MaxValue, ulong.MaxValue, ulong.MaxValue, ulong.MaxValue];
            if (PageWalker.Walk(_guest, la, AccessKind.Read, mode, out _, tables) is { PageSize: 0x1000 } g && _guest.Contains(g.Physical))
            {
                FillFromWalk(root, la, g, tables, mode with { WriteProtect = true });   // writable only if the guest's D is set
                Prefetches++;
            }
        }
        return cleared;
    }

    /// <summary>Whether every entry the walk for <paramref name="la"/> would use is present with its accessed bit set.</summary>
    bool AllAccessed(ulong cr3, ulong la)
    {
        ulong table = cr3 & AddrMask;
        for (int level = 4; level >= 1; level--)
        {
            ulong at = table + ((la >> (12 + 9 * (level - 1))) & 0x1FF) * 8;
            if (!_guest.Contains(at, 8)) return false;
            ulong e = BinaryPrimitives.ReadUInt64LittleEndian(_guest.Frame(at >> 12).AsSpan((int)(at & 0xFFF), 8));
            const ulong need = PageWalker.Present | PageWalker.Accessed;
            if ((e & need) != need) return false;
            if (level > 1 && (e & PageWalker.PageSizeBit) != 0) return false;   // large pages: left to a hidden fault
            table = e & AddrMask;
        }
        return true;
    }

    static ulong Canonical(ulong la) => (ulong)(((long)la << 16) >> 16);

    /// <summary>
    /// What the guest's own tables say for <paramref name="la"/>, without touching the shadow or counting a
    /// fault: the simulator's check of whether a decoded block is still mapped, not a guest access.
    /// </summary>
    public ulong? Peek(ulong la, AccessKind access, in PagingMode mode) => Peek(la, access, mode, out _);

    public ulong? Peek(ulong la, AccessKind access, in PagingMode mode, out PageFault fault) =>
        PageWalker.Walk(_guest, la, access, mode, out fault) is { } g ? g.Physical : null;

    /// <summary>
    /// The hardware's walk of the shadow for <paramref name="la"/> in the address space of <paramref name="guestCr3"/>,
    /// each reference logged in <paramref name="log"/> (tables in VMM memory, so no GPA), leaving no trace; null
    /// if the shadow holds no translation for this access (the hardware would take a #PF the VMM sees first).
    /// </summary>
    public Translation? Walk(ulong guestCr3, ulong la, AccessKind access, in PagingMode mode, List<WalkReference> log)
    {
        if (!_roots.TryGetValue(guestCr3 & AddrMask, out var root)) return null;
        var tables = new LoggedShadow(_vmm, log);
        return PageWalker.Walk(ref tables, la, access, mode with { Cr3 = root.Table, WriteProtect = true }, out _);
    }

    readonly struct LoggedShadow(PhysicalMemory vmm, List<WalkReference> log) : IPagingStructures
    {
        public bool Contains(ulong at) => vmm.Contains(at, 8);
        public bool TryRead(int level, ulong table, ulong at, out ulong entry)
        {
            entry = vmm.IsResident(at >> 12) ? PageWalker.ReadEntry(vmm, at) : 0;
            log.Add(new WalkReference(WalkDimension.Shadow, level, null, table, entry, PageWalker.Describe(entry, level), null));
            return true;
        }
        public void Write(ulong at, ulong entry) { }
    }

    /// <summary>INVLPG: the guest dropped its translation of <paramref name="la"/>; so does the shadow.</summary>
    public void Invalidate(ulong guestCr3, ulong la)
    {
        if (_roots.TryGetValue(guestCr3 & AddrMask, out var root)) ClearLeaf(root, la >> 12);
    }

    /// <summary>The guest changed how paging works (CR0, CR4): every shadow is rebuilt from scratch.</summary>
    public void Reset()
    {
        foreach (var r in _roots.Values) Release(r);
        _roots.Clear();
        _current = null;
        _derived.Clear();
        _tableAt.Clear();
        _writable.Clear();
        _writesSinceWalk.Clear();
        _pendingWrites.Clear();
        Invalidated?.Invoke();
    }

    Root RootFor(ulong cr3)
    {
        ulong key = cr3 & AddrMask;
        if (_current is { } c && c.Key == key) { c.LastUse = ++_clock; return c; }
        if (!_roots.TryGetValue(key, out var root))
        {
            if (_roots.Count >= MaxRoots)
            {
                var old = _roots.Values.MinBy(r => r.LastUse)!;
                _roots.Remove(old.Key);
                Release(old);
            }
            root = new Root(key, Alloc());
            _roots[key] = root;
            RootBuilds++;
        }
        root.LastUse = ++_clock;
        return _current = root;
    }

    void Release(Root r)
    {
        r.Live = false;
        foreach (ulong f in r.Frames) _free.Push(f);
    }

    ulong Alloc()
    {
        ulong a = _free.Count > 0 ? _free.Pop() : (_next += 0x1000) - 0x1000;
        Array.Clear(_vmm.Frame(a >> 12));
        return a;
    }

    void Fill(Root root, ulong la, ulong frame, bool writable, bool user, bool executable)
    {
        ulong table = root.Table;
        for (int level = 4; level > 1; level--)
        {
            ulong at = table + ((la >> (12 + 9 * (level - 1))) & 0x1FF) * 8;
            ulong e = Read(at);
            if ((e & PageWalker.Present) == 0)
            {
                ulong t = Alloc();
                root.Frames.Add(t);
                e = t | TableFlags;
                Write(at, e);
            }
            table = e & AddrMask;
        }
        ulong leaf = (frame << 12) | PageWalker.Present | (writable ? PageWalker.Writable : 0)
            | (user ? PageWalker.UserBit : 0) | (executable ? 0 : PageWalker.NoExecuteBit);
        Write(table + ((la >> 12) & 0x1FF) * 8, leaf);
        Fills++;
    }

    /// <summary>Clears the shadow leaf for <paramref name="page"/>; false if there was none.</summary>
    bool ClearLeaf(Root root, ulong page)
    {
        if (!root.Live) return false;
        ulong la = page << 12, table = root.Table;
        for (int level = 4; level > 1; level--)
        {
            ulong e = Read(table + ((la >> (12 + 9 * (level - 1))) & 0x1FF) * 8);
            if ((e & PageWalker.Present) == 0) return false;
            table = e & AddrMask;
        }
        ulong at = table + ((la >> 12) & 0x1FF) * 8;
        if ((Read(at) & PageWalker.Present) == 0) return false;
        Write(at, 0);
        Zaps++;
        PageInvalidated?.Invoke(la);   // per page: the TLB keeps every other translation
        return true;
    }

    /// <summary>The guest wrote one of its page tables: every shadow entry derived through it goes.</summary>
    void Zap(ulong tableFrame)
    {
        var set = _derived[tableFrame];
        foreach (var (root, page) in set) ClearLeaf(root, page);
        set.Clear();
    }

    /// <summary>A frame became a guest page table: no shadow entry may map it writable any more.</summary>
    void WriteProtect(ulong frame)
    {
        if (!_writable.Remove(frame, out var leaves)) return;
        foreach (var (root, page) in leaves) ClearLeaf(root, page);
    }

    ulong Read(ulong at) => BinaryPrimitives.ReadUInt64LittleEndian(_vmm.Frame(at >> 12).AsSpan((int)(at & 0xFFF), 8));
    void Write(ulong at, ulong v) => BinaryPrimitives.WriteUInt64LittleEndian(_vmm.Frame(at >> 12).AsSpan((int)(at & 0xFFF), 8), v);
}
