using VirtPS.Engine.Guests;
using VirtPS.Engine.Memory;

namespace VirtPS;

/// <summary>One valid TLB entry: where it sits, its tags (VPID, PCID; global entries match any PCID), the guest-virtual
/// page it translates, the guest-physical and host-physical page behind it, the page size and the rights the walk granted.</summary>
public sealed record VTlbEntry(string Guest, string Level, ushort Vpid, int? Pcid, bool Global, ulong GvaPage, ulong GpaPage,
    ulong HpaPage, ulong PageSize, string Permissions)
{
    internal static VTlbEntry From(string guest, string level, TlbKey k, TlbEntry e) =>
        new(guest, level, k.Vpid, k.Pcid == Tlb.GlobalPcid ? null : k.Pcid, k.Pcid == Tlb.GlobalPcid,
            (ulong)(((long)(k.Page << k.PageShift) << 16) >> 16), e.GuestPhysical << 12, e.HostFrame << 12, e.PageSize,
            string.Join(' ', new[] { e.Writable ? "RW" : "RO", e.User ? "US" : "S", e.Executable ? "X" : "XD", e.Dirty ? "D" : "" }.Where(x => x != "")));
}
