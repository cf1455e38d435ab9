using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using VirtPS.Engine.Memory;


namespace VirtPS.Engine.Cpu;

public sealed partial class Processor
{
    internal readonly PhysicalMemory Mem;

    /// <summary>
    /// Host-side page caches, one for reads and one for writes: direct-mapped, 256 entries, each mapping a
    /// linear page to the host frame behind it. They are the interpreter's fast path, not the guest's TLB
    /// (which the memory-virtualization work models and counts); the write cache never holds a page that
    /// has decoded code on it, so every write to code goes the slow way and invalidates the decodes.
    /// </summary>
    /// <summary>A host page cache entry. The caches are a subset of the L1 DTLB (every entry's page is held there), so a
    /// hit is an L1 DTLB hit: it stamps the recency of that TLB entry (<see cref="Stamps"/>[<see cref="Way"/>]) with the
    /// TLB's clock, which keeps LRU exact and counts the hit (<see cref="LruClock.FrontTicks"/>).</summary>
    struct HostPage { public ulong Tag; public byte[] Frame; public ulong Pfn; public long[] Stamps; public int Way; }
    const int CacheSize = 256;
    // One pair for supervisor accesses and one for user accesses: what the supervisor may touch is not what
    // user code may, so a privilege change just selects the other pair (see Cs).
    readonly HostPage[] _rdSup = new HostPage[CacheSize], _wrSup = new HostPage[CacheSize];
    readonly HostPage[] _rdUser = new HostPage[CacheSize], _wrUser = new HostPage[CacheSize];
    HostPage[] _rd, _wr;

    /// <summary>Page walks made (host-cache misses and fetches), and the memory references they made.</summary>
    public long PageWalks { get; private set; }
    public long WalkReferences { get; private set; }
    /// <summary>Bumped whenever translations may have changed (CR3, CR0, CR4 writes, INVLPG): decoded
    /// blocks check it before they are reused.</summary>
    internal long TranslationEpoch;

    /// <summary>Called before a write lands on a frame that holds decoded code (self-modifying code).</summary>
    internal Action<ulong>? CodeWritten;
    internal Func<ulong, bool>? IsCodeFrame;

    void InitMemory()
    {
        _rd = _rdSup; _wr = _wrSup;
        InitTlb();
    }

    /// <summary>
    /// Implicit supervisor accesses (Intel SDM Vol. 3A, 4.6): reads of the GDT, IDT and TSS and the pushes of
    /// an interrupt frame are made with supervisor privilege whatever the CPL. Inside this scope translation
    /// and the host caches act as CPL 0.
    /// </summary>
    internal SystemAccess Supervisor() => new(this);

    internal readonly ref struct SystemAccess
    {
        readonly Processor _p;
        readonly bool _was;
        public SystemAccess(Processor p) { _p = p; _was = p._system; p._system = true; p.SelectHostPages(0); }
        public void Dispose() { _p._system = _was; _p.SelectHostPages(_p.Cs); }
    }

    bool _system;

    /// <summary>Selects the host caches for the privilege level of <paramref name="cs"/>.</summary>
    void SelectHostPages(ushort cs)
    {
        bool user = (cs & 3) == 3 && !_system;
        _rd = user ? _rdUser : _rdSup;
        _wr = user ? _wrUser : _wrSup;
    }

    /// <summary>Every translation may have changed: the TLB entries of this VPID, the guest-dimension walk caches, the host
    /// caches, and decoded blocks must check their mappings again (what a full TLB flush does).</summary>
    internal void FlushHostPages() => InvalidateTlbAll();

    /// <summary>Drops the host page caches (and an emulator's soft TLB) only; the TLB keeps its entries.</summary>
    void DropHostCaches()
    {
        foreach (var c in (HostPage[][])[_rdSup, _wrSup, _rdUser, _wrUser])
            for (int i = 0; i < CacheSize; i++) c[i].Tag = ulong.MaxValue;
        _softTlb?.Clear();
        ItlbPage = ulong.MaxValue;
    }

    /// <summary>Drops write-cache entries that reach a frame that just got decoded code on it.</summary>
    internal void ForgetWritable(ulong pfn)
    {
        foreach (var c in (HostPage[][])[_wrSup, _wrUser])
            for (int i = 0; i < CacheSize; i++)
                if (c[i].Pfn == pfn) c[i].Tag = ulong.MaxValue;
    }

    /// <summary>
    /// Translates a linear address to guest-physical, as the hardware does on a host-cache miss: the TLB first (and an
    /// emulator's software TLB before it), then the guest's MMU — whichever scheme its VMM virtualizes memory with.
    /// </summary>
    internal ulong Translate(ulong la, Access access)
    {
        if (!IsCanonical(la))
            throw new GuestFault(ExceptionVector.GP, 0, la, $"non-canonical address 0x{la:X}");
        ulong softKey = 0;
        if (_softTlb is { } soft)
        {
            // An emulator's software MMU: every access is a lookup in its own TLB, a walk on a miss. Like the host
            // caches it holds only what the modelled TLB holds (data accesses), so a hit there is an L1 DTLB hit.
            soft.Lookups++;
            softKey = SoftTlb.Key(la, (AccessKind)access, Cpl == 3 && !_system);
            if (soft.TryGet(softKey, out var hit))
            {
                if (TlbModel) Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(hit.Stamps), hit.Way) = ++Caches.Tlb.Clock.Now;
                return hit.Frame | (la & 0xFFF);
            }
        }
        _inTlb = false;
        var mode = PagingControls();
        bool fetch = access == Access.Execute;
        ushort pcid = 0;
        Tlb? tlb = null;
        if (TlbModel)
        {
            tlb = Caches.Tlb;
            pcid = CurrentPcid;
            var level = tlb.Lookup(la, fetch, Vpid, pcid, out var entry);
            if (level == TlbLevel.Miss) TlbMisses++;
            else if (Permits(entry, access, mode))
            {
                ulong pa = (entry.GuestPhysical << 12 & ~(entry.PageSize - 1)) | (la & (entry.PageSize - 1));
                Filled(tlb, fetch, softKey, pa);
                return pa;
            }
        }
        PageWalks++;
        var t = Mmu.Translate(la, (AccessKind)access, mode, new MmuContext(tlb != null ? Caches : null, Vpid, pcid, EptContext, Cr3));
        Walked(t.References, tlb);
        if (t.Faulted)
            throw new GuestFault(ExceptionVector.PF, t.PageFault.ErrorCode, la, $"0x{la:X}: {t.PageFault.Reason}");
        if (t.MachineCheck is { } why)
            throw new GuestFault(ExceptionVector.MC, null, la, why);
        // A write the VMM must see again (a guest page table under shadow paging) is not cached, and is reported once landed.
        if (!t.Cacheable) { _uncacheable = true; _tracedWrite = t.TracedWrite; }
        if (!Mem.Contains(t.Gpa))
            throw new GuestFault(ExceptionVector.MC, null, la, $"0x{la:X} maps to 0x{t.Gpa:X}, beyond guest memory");
        if (t.Cacheable)
        {
            tlb?.Insert(la, fetch, Vpid, pcid, t.Global && (Cr4 & Cr4PGE) != 0, t.Entry);
            Filled(tlb, fetch, softKey, t.Gpa);
        }
        return t.Gpa;
    }

    /// <summary>Counts a walk's memory references; those made because the modelled TLB missed are priced.</summary>
    void Walked(int references, Tlb? tlb)
    {
        WalkReferences += references;
        if (tlb != null) TlbMissReferences += references;
    }

    /// <summary>A translation the TLB now holds (or, with the model off, any translation): the host caches and an
    /// emulator's soft TLB may keep it, stamping the L1 DTLB entry it came from.</summary>
    void Filled(Tlb? tlb, bool fetch, ulong softKey, ulong pa)
    {
        _inTlb = true;
        if (fetch) return;
        _frontStamps = tlb?.LastDataStamps ?? NoStamps;
        _frontWay = tlb?.LastDataWay ?? 0;
        _softTlb?.Set(softKey, new SoftTlb.Entry { Frame = pa & ~0xFFFUL, Stamps = _frontStamps, Way = _frontWay });
    }

    /// <summary>Whether a TLB entry allows the access now (SDM Vol. 3A, 4.6). A write to an entry whose page is not yet
    /// dirty walks again to set D; a refused access walks again too, which finds the fault (or a newer, wider entry).</summary>
    internal bool Permits(in TlbEntry e, Access access, in PagingMode mode)
    {
        if (mode.User && !e.User) return false;
        // Under shadow paging the VMM's leaves are read-only until it allows the write, whatever the guest's CR0.WP.
        bool wp = mode.WriteProtect || !_walksGuestTables;
        return access switch
        {
            Access.Write => (e.Writable || (!mode.User && !wp)) && e.Dirty,
            Access.Execute => !(mode.NoExecute && !e.Executable) && !(!mode.User && mode.Smep && e.User),
            _ => true,
        };
    }

    /// <summary>What a walk depends on now: CR3 (without the PCID), CR0.WP, CR4.SMEP, EFER.NXE, and who asks.</summary>
    internal PagingMode PagingControls() => new((Cr4 & Cr4PCIDE) != 0 ? Cr3 & ~0xFFFUL : Cr3, (Cr0 & Cr0WP) != 0,
        (Cr4 & Cr4SMEP) != 0, (Efer & EferNXE) != 0, Cpl == 3 && !_system);

    bool _uncacheable;
    /// <summary>A write the MMU traces (a guest page table under shadow paging): it is told once the write has landed.</summary>
    bool _tracedWrite;

    /// <summary>The simulator's own check that a decoded block's address still maps where it did: a look at
    /// the guest's tables that is not a guest access (no fault, no VMM event, nothing counted).</summary>
    internal ulong? Probe(ulong la)
    {
        if (!IsCanonical(la)) return null;
        return Mmu.Probe(la, PagingControls());
    }

    static bool IsCanonical(ulong la) => (ulong)(((long)la << 16) >> 16) == la;

    /// <summary>The cache entry for <paramref name="la"/>'s page (the index is masked to the cache's size: no bounds check).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static ref HostPage Slot(HostPage[] cache, ulong la) =>
        ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(cache), (nint)((la >> 12) & (CacheSize - 1)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static ref byte At(byte[] frame, ulong off) =>
        ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(frame), (nint)off);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal byte[]? ReadPage(ulong la)
    {
        ref var e = ref Slot(_rd, la);
        if (e.Tag != la >> 12) return null;
        Touch(ref e);
        return e.Frame;
    }

    /// <summary>A host-cache hit is an L1 DTLB hit: it refreshes that entry's recency, and the clock's tick counts it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    void Touch(ref HostPage e) => Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(e.Stamps), e.Way) = ++_lru.Now;

    byte[] FillRead(ulong la)
    {
        ulong pa = Translate(la, Access.Read);
        var frame = Mem.Frame(pa >> 12);
        if (_softTlb != null || !_inTlb) return frame;
        ref var e = ref Slot(_rd, la);
        e.Tag = la >> 12; e.Frame = frame; e.Pfn = pa >> 12; e.Stamps = _frontStamps; e.Way = _frontWay;
        return frame;
    }

    byte[] FillWrite(ulong la)
    {
        ulong pa = Translate(la, Access.Write);
        ulong pfn = pa >> 12;
        if (IsCodeFrame != null && IsCodeFrame(pfn))
        {
            CodeWritten?.Invoke(pfn);   // invalidates decodes; the frame is writable-cacheable from now on
        }
        var frame = Mem.Frame(pfn);
        // A write the VMM must see again next time (a guest page-table page under shadow paging) is not cached.
        if (_uncacheable || _softTlb != null || !_inTlb) { _uncacheable = false; return frame; }
        ref var e = ref Slot(_wr, la);
        e.Tag = la >> 12; e.Frame = frame; e.Pfn = pfn; e.Stamps = _frontStamps; e.Way = _frontWay;
        return frame;
    }

    // ---- reads ----
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal ulong Read64(ulong la)
    {
        ref var e = ref Slot(_rd, la);
        ulong off = la & 0xFFF;
        if (e.Tag == la >> 12 && off <= 0xFF8) { Touch(ref e); return Unsafe.ReadUnaligned<ulong>(ref At(e.Frame, off)); }
        return ReadSlow(la, 8);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal uint Read32(ulong la)
    {
        ref var e = ref Slot(_rd, la);
        ulong off = la & 0xFFF;
        if (e.Tag == la >> 12 && off <= 0xFFC) { Touch(ref e); return Unsafe.ReadUnaligned<uint>(ref At(e.Frame, off)); }
        return (uint)ReadSlow(la, 4);
    }

    internal ushort Read16(ulong la)
    {
        ref var e = ref Slot(_rd, la);
        ulong off = la & 0xFFF;
        if (e.Tag == la >> 12 && off <= 0xFFE) { Touch(ref e); return Unsafe.ReadUnaligned<ushort>(ref At(e.Frame, off)); }
        return (ushort)ReadSlow(la, 2);
    }

    internal byte Read8(ulong la)
    {
        ref var e = ref Slot(_rd, la);
        if (e.Tag == la >> 12) { Touch(ref e); return At(e.Frame, la & 0xFFF); }
        return (byte)ReadSlow(la, 1);
    }

    /// <summary>
    /// The host page caches' hit path for compiled blocks: a reference to the <paramref name="size"/> bytes at
    /// <paramref name="la"/> in the host frame when the read (or write) cache holds its page and the access stays in it,
    /// after stamping the L1 DTLB entry as a hit does; otherwise a null reference, and the block takes
    /// <see cref="ReadSlow"/> or <see cref="WriteSlow"/> (which translate, and may fault or exit).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal ref byte HostRead(ulong la, int size) => ref HostHit(_rd, la, size);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal ref byte HostWrite(ulong la, int size) => ref HostHit(_wr, la, size);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    ref byte HostHit(HostPage[] cache, ulong la, int size)
    {
        ref var e = ref Slot(cache, la);
        ulong off = la & 0xFFF;
        if (e.Tag != la >> 12 || off > (ulong)(0x1000 - size)) return ref Unsafe.NullRef<byte>();
        Touch(ref e);
        return ref At(e.Frame, off);
    }

    /// <summary>Reads 1, 2, 4 or 8 bytes, zero-extended.</summary>
    internal ulong Read(ulong la, int size) => size switch
    {
        8 => Read64(la),
        4 => Read32(la),
        2 => Read16(la),
        _ => Read8(la),
    };

    /// <summary>The slow path: fills the cache, and splits accesses that cross a page boundary.</summary>
    internal ulong ReadSlow(ulong la, int size)
    {
        ulong off = la & 0xFFF;
        if (off + (ulong)size <= 0x1000)
        {
            var f = FillRead(la);
            return size switch
            {
                8 => Unsafe.ReadUnaligned<ulong>(ref At(f, off)),
                4 => Unsafe.ReadUnaligned<uint>(ref At(f, off)),
                2 => Unsafe.ReadUnaligned<ushort>(ref At(f, off)),
                _ => At(f, off),
            };
        }
        // Crossing into the next page: both pages must translate before any byte is used.
        ulong hi = la + (ulong)size - 1;
        var f0 = ReadPage(la) ?? FillRead(la);
        var f1 = ReadPage(hi) ?? FillRead(hi);
        ulong v = 0;
        for (int k = 0; k < size; k++)
        {
            ulong a = la + (ulong)k;
            byte b = (a & ~0xFFFUL) == (la & ~0xFFFUL) ? f0[a & 0xFFF] : f1[a & 0xFFF];
            v |= (ulong)b << (8 * k);
        }
        return v;
    }

    // ---- writes ----
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void Write64(ulong la, ulong v)
    {
        ref var e = ref Slot(_wr, la);
        ulong off = la & 0xFFF;
        if (e.Tag == la >> 12 && off <= 0xFF8) { Touch(ref e); Unsafe.WriteUnaligned(ref At(e.Frame, off), v); return; }
        WriteSlow(la, 8, v);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void Write32(ulong la, uint v)
    {
        ref var e = ref Slot(_wr, la);
        ulong off = la & 0xFFF;
        if (e.Tag == la >> 12 && off <= 0xFFC) { Touch(ref e); Unsafe.WriteUnaligned(ref At(e.Frame, off), v); return; }
        WriteSlow(la, 4, v);
    }

    internal void Write16(ulong la, ushort v)
    {
        ref var e = ref Slot(_wr, la);
        ulong off = la & 0xFFF;
        if (e.Tag == la >> 12 && off <= 0xFFE) { Touch(ref e); Unsafe.WriteUnaligned(ref At(e.Frame, off), v); return; }
        WriteSlow(la, 2, v);
    }

    internal void Write8(ulong la, byte v)
    {
        ref var e = ref Slot(_wr, la);
        if (e.Tag == la >> 12) { Touch(ref e); At(e.Frame, la & 0xFFF) = v; return; }
        WriteSlow(la, 1, v);
    }

    internal void Write(ulong la, int size, ulong v)
    {
        switch (size)
        {
            case 8: Write64(la, v); break;
            case 4: Write32(la, (uint)v); break;
            case 2: Write16(la, (ushort)v); break;
            default: Write8(la, (byte)v); break;
        }
    }

    /// <summary>Set when a write invalidated decodes the running block depends on; the run loop re-decodes.</summary>
    internal bool CodeChanged;

    internal void WriteSlow(ulong la, int size, ulong v)
    {
        ulong off = la & 0xFFF;
        if (off + (ulong)size <= 0x1000)
        {
            var f = FillWrite(la);
            switch (size)
            {
                case 8: Unsafe.WriteUnaligned(ref At(f, off), v); break;
                case 4: Unsafe.WriteUnaligned(ref At(f, off), (uint)v); break;
                case 2: Unsafe.WriteUnaligned(ref At(f, off), (ushort)v); break;
                default: At(f, off) = (byte)v; break;
            }
            if (_tracedWrite) TracedWriteLanded();
            return;
        }
        // Both pages must be writable before either is changed, so a fault leaves memory untouched.
        ulong hi = la + (ulong)size - 1;
        var f0 = FillWrite(la);
        var f1 = FillWrite(hi);
        for (int k = 0; k < size; k++)
        {
            ulong a = la + (ulong)k;
            var f = (a & ~0xFFFUL) == (la & ~0xFFFUL) ? f0 : f1;
            f[a & 0xFFF] = (byte)(v >> (8 * k));
        }
        if (_tracedWrite) TracedWriteLanded();
    }

    void TracedWriteLanded()
    {
        _tracedWrite = false;
        Mmu.WriteLanded();
    }

    ulong _fetchAhead = ulong.MaxValue;

    /// <summary>A decoded block has an instruction that crosses into the page at <paramref name="la"/>: if that page's
    /// bytes were read ahead without an EPT access, the fetch is made now (taking its EPT violation).</summary>
    internal void FetchCrossed(ulong la)
    {
        if (_fetchAhead != (la & ~0xFFFUL)) return;
        _fetchAhead = ulong.MaxValue;
        Translate(la, Access.Execute);
    }

    /// <summary>
    /// Fetches instruction bytes for the decoder, translating once per page; returns how many could be read
    /// before a fault, and the physical address of each page touched.
    /// </summary>
    internal int Fetch(ulong la, Span<byte> into, out GuestFault? fault, out ulong firstPa, out ulong secondPa)
    {
        fault = null; firstPa = secondPa = ulong.MaxValue;
        _fetchAhead = ulong.MaxValue;
        int done = 0;
        while (done < into.Length)
        {
            ulong a = la + (ulong)done;
            ulong pa;
            if (done > 0 && IsCanonical(a) && Mmu.ReadAhead(a, PagingControls()) is { } ahead)
            {
                // The bytes past the first page are read ahead in case the last instruction crosses over; how that
                // look-ahead reads (and what it may not do yet: take a fault, fill a shadow entry, exit) is the MMU's.
                if (ahead.Fault is { } pf) { fault = new GuestFault(ExceptionVector.PF, pf.ErrorCode, a, $"0x{a:X}: {pf.Reason}"); return done; }
                pa = ahead.Gpa;
                if (ahead.Deferred) _fetchAhead = a & ~0xFFFUL;
            }
            else
            {
                try { pa = Translate(a, Access.Execute); }
                catch (GuestFault f) { fault = f; return done; }
                if (done == 0) ItlbPage = a >> 12;   // this fetch was the ITLB lookup for the block's page
            }
            if (done == 0) firstPa = pa; else secondPa = pa;
            int n = Math.Min(into.Length - done, 0x1000 - (int)(a & 0xFFF));
            Mem.Frame(pa >> 12).AsSpan((int)(pa & 0xFFF), n).CopyTo(into[done..]);
            done += n;
        }
        return done;
    }
}
