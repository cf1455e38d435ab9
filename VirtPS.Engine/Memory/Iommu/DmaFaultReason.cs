namespace VirtPS.Engine.Memory.Iommu;

/// <summary>
/// DMA-remapping fault reasons for untranslated requests in legacy mode, numbered as the VT-d specification's Table 30
/// (§7.1.3, "Fault Conditions and Remapping Hardware Behavior for Various Requests", rev. 5.10; condition codes LRT.*,
/// LCT.*, LSS.*, LGN.*). The number is what the FR field of a fault recording register holds. 1h, 8h, 9h and Ah are not
/// "qualified": a context entry's FPD cannot suppress their recording; the others are.
/// </summary>
public enum DmaFaultReason : byte
{
    /// <summary>1h: the Present field of the root entry used to process the request is clear.</summary>
    RootEntryNotPresent = 0x1,
    /// <summary>2h: the Present field of the context entry used to process the request is clear.</summary>
    ContextEntryNotPresent = 0x2,
    /// <summary>3h: invalid programming of a context entry — an address width (AW) or translation type (TT) the hardware
    /// does not support, or an error accessing the second-level table that SLPTPTR points at.</summary>
    InvalidContextEntry = 0x3,
    /// <summary>4h: the input address is above 2^X − 1, X the smaller of MGAW and the context entry's address width.</summary>
    AddressBeyondAgaw = 0x4,
    /// <summary>5h: a write blocked for lack of write permission (a second-level entry with W clear, or not present).</summary>
    WriteNotPermitted = 0x5,
    /// <summary>6h: a read blocked for lack of read permission (a second-level entry with R clear, or not present).</summary>
    ReadNotPermitted = 0x6,
    /// <summary>7h: an error accessing a second-level paging entry through the address field of the entry above it.</summary>
    PagingEntryAccessError = 0x7,
    /// <summary>8h: an error accessing the root table through the root-table address register.</summary>
    RootTableAccessError = 0x8,
    /// <summary>9h: an error accessing the context table through a root entry's context-table pointer.</summary>
    ContextTableAccessError = 0x9,
    /// <summary>Ah: a non-zero reserved field in a present root entry.</summary>
    RootEntryReserved = 0xA,
    /// <summary>Bh: a non-zero reserved field in a present context entry.</summary>
    ContextEntryReserved = 0xB,
    /// <summary>Ch: a non-zero reserved field in a second-level paging entry with R or W set.</summary>
    PagingEntryReserved = 0xC,
    /// <summary>Eh: the output address (after remapping) is in the interrupt address range FEEx_xxxxh.</summary>
    InterruptAddressRange = 0xE,
}
