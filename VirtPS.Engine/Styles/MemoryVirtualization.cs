namespace VirtPS.Engine.Styles;

/// <summary>How a hardware-assisted VMM virtualizes guest memory.</summary>
public enum MemoryVirtualization
{
    /// <summary>Nested paging (Intel EPT, AMD NPT): the processor walks the guest's tables and the VMM's EPT in
    /// two dimensions; guest page-table writes, CR3 loads and INVLPG need no VMM.</summary>
    Nested,
    /// <summary>Shadow paging, as first-generation VT-x needed it: the VMM keeps GVA → HPA tables in step with the
    /// guest's, intercepting #PF, CR3 loads and INVLPG, and tracing guest page-table writes.</summary>
    Shadow,
}
