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
}
