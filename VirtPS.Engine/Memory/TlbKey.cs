namespace VirtPS.Engine.Memory;

/// <summary>
/// What a TLB entry is found by: the virtual-processor tag (VPID; 0 is the host or an untagged guest), the
/// process-context identifier (PCID; <see cref="Tlb.GlobalPcid"/> for a global page, which matches every
/// PCID — Intel SDM Vol. 3A, 4.10.1), and the virtual page number at the entry's page size.
/// </summary>
public readonly record struct TlbKey(ushort Vpid, ushort Pcid, ulong Page, byte PageShift);
