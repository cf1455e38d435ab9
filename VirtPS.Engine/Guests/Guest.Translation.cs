using VirtPS.Engine.Costs;
using VirtPS.Engine.Memory;
using VirtPS.Engine.Styles;

namespace VirtPS.Engine.Guests;

public sealed partial class Guest
{
    /// <summary>How the guest's memory is virtualized: its VMM's MMU.</summary>
    public MemoryVirtualization Paging => Vmm.Paging;

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
            throw new VirtPSException(ErrorIds.NonCanonicalAddress, ErrorKind.InvalidArgument,
                $"0x{address:X} is not canonical: bits 63:47 must all equal bit 47 (Intel SDM Vol. 1, 3.3.7.1).", address);
        var cpu = Machine.Cpu;
        if ((cpu.Cr0 & Cpu.Processor.Cr0PG) == 0)
            throw new VirtPSException(ErrorIds.PagingDisabled, ErrorKind.InvalidOperation,
                $"Guest '{Name}' has paging disabled (CR0 = 0x{cpu.Cr0:X}, PG clear): its addresses are physical, nothing to translate.", cpu.Cr0);
        var mode = cpu.PagingControls();
        double price = Costs.Cycles(CostEvent.PageWalkReference);
        var log = new List<WalkReference>(24);
        // The TLB first, as the hardware looks (a peek: no recency change, no statistics).
        var caches = cpu.TlbModel ? cpu.Caches : null;
        if (caches != null && caches.Tlb.Peek(address, access == AccessKind.Execute, cpu.Vpid, cpu.CurrentPcid, out var te) is var level
            && level != TlbLevel.Miss && cpu.Permits(te, (Cpu.Access)access, mode))
        {
            ulong gpa = (te.GuestPhysical << 12) | (address & (te.PageSize - 1)), hpa = (te.HostFrame << 12) | (address & (te.PageSize - 1));
            return new(Name, address, access, mode.User, Paging, log, gpa, hpa, te.PageSize, price, level == TlbLevel.L1 ? "L1 TLB" : "STLB")
            { TlbLevel = level.ToString() };
        }
        var i = Vmm.Mmu.Inspect(address, access, mode, new MmuContext(caches, cpu.Vpid, cpu.CurrentPcid, cpu.EptContext, cpu.Cr3, Peek: true), log);
        if (i.PageFault is { } pf) throw PageFault(address, access, pf);
        if (i.EptFault is { } ef) throw EptFault(address, ef);
        return new(Name, address, access, mode.User, Paging, log, i.Gpa, i.Hpa, i.PageSize, price, i.Source) { WalkCacheHits = i.WalkCacheHits };
    }

    VirtPSException PageFault(ulong address, AccessKind access, in PageFault pf) =>
        new(ErrorIds.GuestPageFault, ErrorKind.ObjectNotFound,
            $"A {access.ToString().ToLowerInvariant()} of 0x{address:X} raises #PF with error code 0x{pf.ErrorCode:X} ({DescribeErrorCode(pf.ErrorCode)}): {pf.Reason}.", address);

    static VirtPSException EptFault(ulong address, in EptFault f) => f.Kind == EptExitKind.Misconfiguration
        ? new(ErrorIds.EptMisconfiguration, ErrorKind.InvalidData,
            $"Translating 0x{address:X} meets an EPT misconfiguration (VM exit 49) at guest-physical 0x{f.Gpa:X}: {f.Reason}.", address)
        : new(ErrorIds.EptViolation, ErrorKind.ObjectNotFound,
            $"Translating 0x{address:X} causes an EPT violation (VM exit 48) at guest-physical 0x{f.Gpa:X}, exit qualification 0x{f.Qualification:X}: {f.Reason}.", address);

    /// <summary>The #PF error code's bits in words (Intel SDM Vol. 3A, 4.7).</summary>
    static string DescribeErrorCode(ulong code) => string.Join(", ",
        (code & PageWalker.PfPresent) != 0 ? "P=1 protection violation" : "P=0 not present",
        (code & PageWalker.PfWrite) != 0 ? "W/R=1 write" : "W/R=0 read",
        (code & PageWalker.PfUser) != 0 ? "U/S=1 user" : "U/S=0 supervisor")
        + ((code & PageWalker.PfReserved) != 0 ? ", RSVD=1" : "") + ((code & PageWalker.PfFetch) != 0 ? ", I/D=1 fetch" : "");
}
