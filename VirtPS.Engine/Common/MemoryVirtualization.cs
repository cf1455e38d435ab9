namespace VirtPS.Engine;

/// <summary>How a guest's memory is virtualized: which tables the hardware walks for a guest-virtual address, and
/// who keeps them (Intel SDM Vol. 3A ch. 4 and Vol. 3C ch. 28; Barham et al., SOSP 2003, for direct paging).</summary>
public enum MemoryVirtualization
{
    /// <summary>No virtualization: the processor walks the guest's own tables, which map guest-physical memory
    /// (the bare machine).</summary>
    Native,
    /// <summary>Shadow paging, as the software VMMs and first-generation VT-x need it: the VMM keeps GVA → HPA tables
    /// in step with the guest's, intercepting #PF, CR3 loads and INVLPG, and tracing guest page-table writes.</summary>
    Shadow,
    /// <summary>Nested paging (Intel EPT, AMD NPT): the processor walks the guest's tables and the VMM's EPT in
    /// two dimensions; guest page-table writes, CR3 loads and INVLPG need no VMM.</summary>
    Nested,
    /// <summary>Paravirtual direct paging (Xen): the guest's tables hold machine frames and are walked by the hardware
    /// as they are; every update is a hypercall the hypervisor validates against its page types.</summary>
    Direct,
    /// <summary>An emulator's software MMU (Bochs, QEMU's softmmu): every access is a lookup in the emulator's own TLB,
    /// with a walk of the guest's tables on a miss.</summary>
    Software,
}
