namespace VirtPS.Engine.Memory.Iommu;

/// <summary>
/// The adjusted guest address widths (AGAW) a domain's second-level tables may have, each a number of table levels
/// (VT-d §3.7 second-stage translation, and the context entry's AW field, §9.3; 57-bit 5-level, AW = 011b, is not
/// supported by this unit, so such a context entry faults 3h): 39-bit with 3 levels (AW = 001b) and 48-bit with 4 levels
/// (AW = 010b), the two that this unit's capability register (SAGAW) would report.
/// </summary>
public enum IommuAddressWidth
{
    /// <summary>39-bit AGAW, 3-level table (AW = 001b).</summary>
    Bits39 = 39,
    /// <summary>48-bit AGAW, 4-level table (AW = 010b).</summary>
    Bits48 = 48,
}
