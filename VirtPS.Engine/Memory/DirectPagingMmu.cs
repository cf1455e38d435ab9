using System.Buffers.Binary;

namespace VirtPS.Engine.Memory;

/// <summary>
/// Paravirtual direct paging, as Xen does it (Barham et al., SOSP 2003; xen/arch/x86/mm.c): the hardware walks the
/// guest's own tables, which hold machine frames (here the domain's pseudo-physical-to-machine map is the identity),
/// and the guest changes them only by hypercall. The hypervisor validates every update and types page-table frames
/// with reference counts: a frame reachable from a pinned table or the base pointer is an Ln page table and may not
/// be mapped writable; a frame mapped writable may not become a page table; entries must name frames of the domain;
/// updates must target a page-table frame. A refused update returns -EINVAL and is reported (<see cref="Refused"/>).
/// </summary>
public sealed class DirectPagingMmu(PhysicalMemory memory) : NativeMmu(memory)
{
    /// <summary>Xen's -EINVAL.</summary>
    public const long EINVAL = -22;
    const ulong AddrMask = 0x000F_FFFF_FFFF_F000;
    const ulong Present = 1, Writable = 2, User = 4, PageSize = 0x80;

    sealed class PageType(int level) { public readonly int Level = level; public int Refs; public bool Pinned; }
    readonly Dictionary<ulong, PageType> _tables = [];
    readonly Dictionary<ulong, int> _writable = [];
    ulong _baseptr;    // the frame loaded as the base pointer (holds a type reference), 0 for the loader's tables

    public override MemoryVirtualization Kind => MemoryVirtualization.Direct;

    /// <summary>Told of each update the hypervisor refuses, for its ledger.</summary>
    public Action? Refused { get; set; }
    void Refuse() => Refused?.Invoke();

    /// <summary>Frames currently typed as page tables.</summary>
    public int PageTableFrames => _tables.Count;

    /// <summary>MMUEXT_UNPIN_TABLE: false if the frame was not pinned.</summary>
    public bool Unpin(ulong mfn)
    {
        if (!_tables.TryGetValue(mfn, out var t) || !t.Pinned) return false;
        t.Pinned = false;
        PutType(mfn);
        return true;
    }

    /// <summary>MMUEXT_NEW_BASEPTR's validation: the frame becomes (or stays) an L4 table held by the base pointer,
    /// and the old base pointer's reference goes.</summary>
    public long NewBaseptr(ulong mfn)
    {
        if (!CanType(mfn, 4, [])) { Refuse(); return EINVAL; }
        GetType(mfn, 4);
        if (_baseptr != 0) PutType(_baseptr);
        _baseptr = mfn;
        return 0;
    }

    /// <summary>update_va_mapping: the L1 entry mapping <paramref name="va"/> under <paramref name="root"/> becomes
    /// <paramref name="val"/>, validated as <see cref="Update"/>.</summary>
    public long UpdateVa(ulong root, ulong va, ulong val)
    {
        if (PteAddress(root & AddrMask, va) is not { } pte) { Refuse(); return EINVAL; }
        return Update(pte, val);
    }

    /// <summary>MMUEXT_PIN_L<i>n</i>_TABLE: types the frame as a level-<paramref name="level"/> table and pins it.</summary>
    public long Pin(ulong mfn, int level)
    {
        if (_tables.TryGetValue(mfn, out var t) && t.Pinned) return EINVAL;
        if (!CanType(mfn, level, [])) { Refuse(); return EINVAL; }
        GetType(mfn, level);
        _tables[mfn].Pinned = true;
        return 0;
    }


    /// <summary>One page-table update: the entry at guest-physical <paramref name="pa"/> becomes
    /// <paramref name="val"/> if the hypervisor's rules allow it, else -EINVAL and nothing changes.
    /// This is what each mmu_update entry and update_va_mapping do.</summary>
    public long Update(ulong pa, ulong val)
    {
        if ((pa & 7) != 0 || !Memory.Contains(pa, 8) || !_tables.TryGetValue(pa >> 12, out var table))
        { Refuse(); return EINVAL; }   // not an entry of one of the domain's page tables
        if (!CanHold(table.Level, val, [pa >> 12])) { Refuse(); return EINVAL; }
        var frame = Memory.Frame(pa >> 12);
        ulong old = BinaryPrimitives.ReadUInt64LittleEndian(frame.AsSpan((int)(pa & 0xFFF)));
        Acquire(table.Level, val);   // before the release, so a table shared by both stays typed
        Release(table.Level, old);
        BinaryPrimitives.WriteUInt64LittleEndian(frame.AsSpan((int)(pa & 0xFFF)), val);
        return 0;
    }

    static bool IsLeaf(int level, ulong e) => level == 1 || (level is 2 or 3 && (e & PageSize) != 0);

    /// <summary>Whether a level-<paramref name="level"/> table may hold entry <paramref name="e"/>.</summary>
    bool CanHold(int level, ulong e, HashSet<ulong> visiting)
    {
        if ((e & Present) == 0) return true;
        ulong mfn = (e & AddrMask) >> 12;
        if (!Memory.Contains(mfn << 12)) return false;   // not the domain's frame
        if (IsLeaf(level, e))
        {
            if (level > 1 && (e & User) == 0) return true;       // the kernel's direct map (see the class notes)
            if ((e & Writable) == 0) return true;
            if (level == 1) return !_tables.ContainsKey(mfn);    // a page table is never mapped writable
            ulong pages = level == 2 ? 512UL : 512UL * 512;
            return !_tables.Keys.Any(f => f >= mfn && f < mfn + pages);
        }
        return CanType(mfn, level - 1, visiting);
    }

    /// <summary>Whether frame <paramref name="mfn"/> can be (or already is) a level-<paramref name="level"/> page table.</summary>
    bool CanType(ulong mfn, int level, HashSet<ulong> visiting)
    {
        if (!Memory.Contains(mfn << 12, 0x1000)) return false;
        if (_tables.TryGetValue(mfn, out var t)) return t.Level == level;
        if (_writable.GetValueOrDefault(mfn) > 0) return false;  // mapped writable somewhere: cannot become a table
        if (!visiting.Add(mfn)) return false;                    // a loop of tables
        var frame = Memory.Frame(mfn);
        for (int k = 0; k < 512; k++)
            if (!CanHold(level, BinaryPrimitives.ReadUInt64LittleEndian(frame.AsSpan(8 * k)), visiting)) return false;
        visiting.Remove(mfn);
        return true;
    }

    void Acquire(int level, ulong e)
    {
        if ((e & Present) == 0) return;
        ulong mfn = (e & AddrMask) >> 12;
        if (IsLeaf(level, e)) { if (level == 1 && (e & Writable) != 0) _writable[mfn] = _writable.GetValueOrDefault(mfn) + 1; }
        else GetType(mfn, level - 1);
    }

    void Release(int level, ulong e)
    {
        if ((e & Present) == 0) return;
        ulong mfn = (e & AddrMask) >> 12;
        if (IsLeaf(level, e))
        {
            if (level == 1 && (e & Writable) != 0 && _writable.TryGetValue(mfn, out int n))
            { if (n <= 1) _writable.Remove(mfn); else _writable[mfn] = n - 1; }
        }
        else PutType(mfn);
    }

    /// <summary>Takes a type reference; the first one types the frame and takes references for its entries.</summary>
    void GetType(ulong mfn, int level)
    {
        if (_tables.TryGetValue(mfn, out var t)) { t.Refs++; return; }
        _tables[mfn] = new PageType(level) { Refs = 1 };
        var frame = Memory.Frame(mfn);
        for (int k = 0; k < 512; k++) Acquire(level, BinaryPrimitives.ReadUInt64LittleEndian(frame.AsSpan(8 * k)));
    }

    /// <summary>Drops a type reference; the last one (and no pin) makes the frame ordinary memory again.</summary>
    void PutType(ulong mfn)
    {
        if (!_tables.TryGetValue(mfn, out var t)) return;
        if (--t.Refs > 0 || t.Pinned) return;
        _tables.Remove(mfn);
        var frame = Memory.Frame(mfn);
        for (int k = 0; k < 512; k++) Release(t.Level, BinaryPrimitives.ReadUInt64LittleEndian(frame.AsSpan(8 * k)));
    }

    /// <summary>The guest-physical address of the L1 entry mapping <paramref name="va"/> under
    /// <paramref name="root"/>, or null if a level above it is not present (or is a large page).</summary>
    public ulong? PteAddress(ulong root, ulong va)
    {
        ulong table = root;
        for (int shift = 39; ; shift -= 9)
        {
            ulong at = table + ((va >> shift) & 511) * 8;
            if (!Memory.Contains(at, 8)) return null;
            if (shift == 12) return at;
            ulong e = BinaryPrimitives.ReadUInt64LittleEndian(Memory.Frame(at >> 12).AsSpan((int)(at & 0xFFF)));
            if ((e & Present) == 0 || (e & PageSize) != 0) return null;
            table = e & AddrMask;
        }
    }
}
