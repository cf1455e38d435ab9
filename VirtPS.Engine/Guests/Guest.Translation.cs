using VirtPS.Engine.Costs;
using VirtPS.Engine.Memory;
using VirtPS.Engine.Styles;

namespace VirtPS.Engine.Guests;

public sealed partial class Guest
{
    /// <summary>How the guest's memory is virtualized: nested or shadow paging for a hardware-assisted guest, the
    /// shadow paging of the software VMMs, or null where the guest's own tables are the machine's (Native) or an
    /// emulator walks them (Emulation).</summary>
    public MemoryVirtualization? Paging => Vmm is HardwareAssisted ha ? ha.Paging : Vmm.Shadow != null ? MemoryVirtualization.Shadow : null;

    /// <summary>A paging mode is a choice only a hardware-assisted VMM has.</summary>
    static void ValidatePaging(VirtualizationStyle style, MemoryVirtualization? paging)
    {
        if (paging is { } p && style != VirtualizationStyle.HardwareAssisted)
            throw new VirtPSException("PagingModeNeedsHardwareAssisted", ErrorKind.InvalidArgument,
                $"-Paging {p} applies to HardwareAssisted guests only; {style} virtualizes memory its own way.", p);
    }

    /// <summary>
    /// Translates guest-virtual <paramref name="address"/> as the hardware would for an access of kind
    /// <paramref name="access"/> at the guest's current privilege, without changing the guest: no accessed or dirty
    /// bit is set, no EPT or shadow entry is made, no untouched frame is allocated. Fails with the guest's own fault:
    /// a #PF (GuestPageFault, with the SDM 4.7 error code), an EPT violation (EptViolation, with the exit
    /// qualification) or misconfiguration (EptMisconfiguration); or for bad input (NonCanonicalAddress, PagingDisabled).
    /// </summary>
    public AddressTranslation Translate(ulong address, AccessKind access = AccessKind.Read)
    {
        if ((ulong)(((long)address << 16) >> 16) != address)
            throw new VirtPSException("NonCanonicalAddress", ErrorKind.InvalidArgument,
                $"0x{address:X} is not canonical: bits 63:47 must all equal bit 47 (Intel SDM Vol. 1, 3.3.7.1).", address);
        var cpu = Machine.Cpu;
        if ((cpu.Cr0 & Cpu.Processor.Cr0PG) == 0)
            throw new VirtPSException("PagingDisabled", ErrorKind.InvalidOperation,
                $"Guest '{Name}' has paging disabled (CR0 = 0x{cpu.Cr0:X}, PG clear): its addresses are physical, nothing to translate.", cpu.Cr0);
        var mode = cpu.PagingControls();
        double price = Costs.Cycles(CostEvent.PageWalkReference);
        var log = new List<WalkReference>(24);
        string pagingName = Vmm.Ept != null ? "Nested" : Vmm.Shadow != null ? "Shadow" : Style switch
        {
            VirtualizationStyle.Emulation => "Emulated",
            VirtualizationStyle.Paravirtual => "Direct",   // the guest's tables hold machine frames, validated by hypercall
            _ => "Native",
        };
        // The TLB first, as the hardware looks (a peek: no recency change, no statistics).
        var caches = cpu.TlbModel ? cpu.Caches : null;
        if (caches != null && caches.Tlb.Peek(address, access == AccessKind.Execute, cpu.Vpid, cpu.CurrentPcid, out var te) is var level
            && level != TlbLevel.Miss && cpu.Permits(te, (Cpu.Access)access, mode))
        {
            ulong gpa = (te.GuestPhysical << 12) | (address & (te.PageSize - 1)), hpa = (te.HostFrame << 12) | (address & (te.PageSize - 1));
            return new(Name, address, access, mode.User, pagingName, log, gpa, hpa, te.PageSize, price, level == TlbLevel.L1 ? "L1 TLB" : "STLB")
            { TlbLevel = level.ToString() };
        }
        if (Vmm.Ept is { } ept)
        {
            int before = caches is null ? 0 : caches.Guest.PeekHits + caches.Ept.PeekHits + caches.Nested.PeekHits;
            var w = caches is null
                ? NestedWalker.Walk(Machine.Memory, ept, address, access, mode, setFlags: false, log)
                : NestedWalker.Walk(Machine.Memory, ept, address, access, mode, setFlags: false, log,
                    new WalkCacheContext(caches.Guest, cpu.Vpid, cpu.CurrentPcid, Peek: true), new EptCacheContext(caches.Nested, caches.Ept, Peek: true, Context: cpu.EptContext));
            int hits = caches is null ? 0 : caches.Guest.PeekHits + caches.Ept.PeekHits + caches.Nested.PeekHits - before;
            return w.Outcome switch
            {
                NestedOutcome.Translated => new(Name, address, access, mode.User, "Nested", log, w.Gpa, w.Hpa, w.PageSize, price,
                    hits > 0 ? "WalkCache" : "Walk") { WalkCacheHits = hits },
                NestedOutcome.PageFault => throw PageFault(address, access, w.PageFault),
                _ => throw EptFault(address, w.Ept),
            };
        }
        if (Vmm.Shadow is { } shadow && shadow.Walk(mode.Cr3, address, access, mode, log) is { } s)
            return new(Name, address, access, mode.User, "Shadow", log, s.Physical, s.Physical, s.PageSize, price, "Walk");
        log.Clear();
        var direct = new LoggedTables(Machine.Memory, log);
        var psc = caches != null && Vmm.Shadow == null ? new WalkCacheContext(caches.Guest, cpu.Vpid, cpu.CurrentPcid, Peek: true) : default;
        if (PageWalker.Walk(ref direct, address, access, mode, out var pf, default, psc) is not { } t) throw PageFault(address, access, pf);
        int skipped = 4 - t.StartLevel;
        return new(Name, address, access, mode.User, pagingName, log, t.Physical, t.Physical, t.PageSize, price,
            Vmm.Shadow != null ? "GuestTables" : skipped > 0 ? "WalkCache" : "Walk") { WalkCacheHits = skipped > 0 ? 1 : 0 };
    }

    VirtPSException PageFault(ulong address, AccessKind access, in PageFault pf) =>
        new("GuestPageFault", ErrorKind.ObjectNotFound,
            $"A {access.ToString().ToLowerInvariant()} of 0x{address:X} raises #PF with error code 0x{pf.ErrorCode:X} ({DescribeErrorCode(pf.ErrorCode)}): {pf.Reason}.", address);

    static VirtPSException EptFault(ulong address, in EptFault f) => f.Kind == EptExitKind.Misconfiguration
        ? new("EptMisconfiguration", ErrorKind.InvalidData,
            $"Translating 0x{address:X} meets an EPT misconfiguration (VM exit 49) at guest-physical 0x{f.Gpa:X}: {f.Reason}.", address)
        : new("EptViolation", ErrorKind.ObjectNotFound,
            $"Translating 0x{address:X} causes an EPT violation (VM exit 48) at guest-physical 0x{f.Gpa:X}, exit qualification 0x{f.Qualification:X}: {f.Reason}.", address);

    /// <summary>The #PF error code's bits in words (Intel SDM Vol. 3A, 4.7).</summary>
    static string DescribeErrorCode(ulong code) => string.Join(", ",
        (code & PageWalker.PfPresent) != 0 ? "P=1 protection violation" : "P=0 not present",
        (code & PageWalker.PfWrite) != 0 ? "W/R=1 write" : "W/R=0 read",
        (code & PageWalker.PfUser) != 0 ? "U/S=1 user" : "U/S=0 supervisor")
        + ((code & PageWalker.PfReserved) != 0 ? ", RSVD=1" : "") + ((code & PageWalker.PfFetch) != 0 ? ", I/D=1 fetch" : "");

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
