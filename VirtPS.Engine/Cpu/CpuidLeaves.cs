using Iced.Intel;

namespace VirtPS.Engine.Cpu;

/// <summary>What CPUID reports: a defined vendor and the features this core implements.</summary>
internal static class CpuidLeaves
{
    // "VirtPSVirtPS" in EBX, EDX, ECX order, as leaf 0 returns the vendor.
    const uint VendorB = 0x74726956, VendorD = 0x69565350, VendorC = 0x53507472;

    public static (uint, uint, uint, uint) Query(uint leaf, uint sub) => leaf switch
    {
        0 => (0xA, VendorB, VendorC, VendorD),
        // Family 6, model 0x55, stepping 4; EDX: TSC(4) MSR(5) PAE(6) CX8(8) APIC(9) SEP(11) PGE(13) CMOV(15);
        // ECX: CX16(13) PDCM(15: IA32_PERF_CAPABILITIES) PCID(17) x2APIC(21) POPCNT(23).
        1 => (0x0005_0654, 0, (1u << 13) | (1u << 15) | (1u << 17) | (1u << 21) | (1u << 23), (1u << 4) | (1u << 5) | (1u << 6) | (1u << 8) | (1u << 9) | (1u << 11) | (1u << 13) | (1u << 15)),
        // Architectural performance monitoring (SDM Vol. 3B, 18.2): version 1, one general-purpose counter per
        // logical processor, 48 bits wide; EBX has a bit per architectural event, set = unavailable, and only
        // bit 1 (instructions retired) is clear of the seven EAX[31:24] says it describes.
        0xA => (1u | (1u << 8) | ((uint)PerformanceMonitoring.Width << 16) | (7u << 24), 0x7Du, 0, 0),
        0x8000_0000 => (0x8000_0008, 0, 0, 0),
        // ECX: LAHF/SAHF(0) LZCNT(5); EDX: SYSCALL(11) NX(20) 1-GB pages(26) RDTSCP(27) LM(29).
        0x8000_0001 => (0, 0, 1u | (1u << 5), (1u << 11) | (1u << 20) | (1u << 26) | (1u << 27) | (1u << 29)),
        0x8000_0008 => ((48u << 8) | Processor.MaxPhysAddr, 0, 0, 0),
        _ => (0, 0, 0, 0),
    };
}
