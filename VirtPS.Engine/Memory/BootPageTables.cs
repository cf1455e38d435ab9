namespace VirtPS.Engine.Memory;

/// <summary>
/// The identity map a guest starts with, as Firecracker's loader builds one for Linux: 4-level tables at
/// guest-physical 0x9000 (PML4), 0xA000 (PDPT) and 0xB000 onward (one PD per GiB), mapping all of guest
/// memory with 2 MiB pages and a page table for a tail that is not 2 MiB-aligned. Pages are writable and
/// user-accessible, so a bare program runs at any CPL; a kernel replaces the map with its own.
/// </summary>
public static class BootPageTables
{
    public const ulong Pml4 = 0x9000, Pdpt = 0xA000, FirstPd = 0xB000;
    const ulong Flags = PageWalker.Present | PageWalker.Writable | PageWalker.UserBit;
    const ulong TwoMiB = 1UL << 21;

    /// <summary>The first byte after the tables for a guest of <paramref name="memoryBytes"/>.</summary>
    public static ulong End(ulong memoryBytes)
    {
        ulong gib = (memoryBytes + (1UL << 30) - 1) >> 30;
        bool tail = memoryBytes % TwoMiB != 0;
        return FirstPd + gib * 0x1000 + (tail ? 0x1000UL : 0);
    }

    /// <summary>Writes the tables into <paramref name="mem"/> and returns the CR3 value that uses them.</summary>
    public static ulong Build(PhysicalMemory mem)
    {
        ulong size = mem.Size;
        if (size < End(size)) throw new ArgumentOutOfRangeException(nameof(mem), "Guest memory is too small for the boot page tables.");
        void Put(ulong at, ulong v) => mem.Write(at, BitConverter.GetBytes(v));

        Put(Pml4, Pdpt | Flags);
        ulong gib = (size + (1UL << 30) - 1) >> 30;
        ulong tailPt = FirstPd + gib * 0x1000;
        for (ulong g = 0; g < gib; g++)
        {
            ulong pd = FirstPd + g * 0x1000;
            Put(Pdpt + g * 8, pd | Flags);
            for (ulong k = 0; k < 512; k++)
            {
                ulong va = (g << 30) + (k << 21);
                if (va >= size) break;
                if (va + TwoMiB <= size) Put(pd + k * 8, va | Flags | PageWalker.PageSizeBit);
                else
                {
                    // The last, partial 2 MiB: 4 KiB pages for what exists.
                    Put(pd + k * 8, tailPt | Flags);
                    for (ulong p = 0; va + (p << 12) < size; p++) Put(tailPt + p * 8, (va + (p << 12)) | Flags);
                }
            }
        }
        return Pml4;
    }
}
