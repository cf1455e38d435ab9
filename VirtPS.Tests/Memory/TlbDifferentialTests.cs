using System.Text;
using VirtPS.Engine.Asm;
using VirtPS.Engine.Cpu;
using VirtPS.Engine.Guests;
using VirtPS.Engine.Styles;
using Xunit;
using Xunit.Abstractions;

namespace VirtPS.Tests.Memory;

/// <summary>
/// The TLB never serves a stale translation: a bare guest builds three address spaces, then makes random page-table
/// edits (PTEs and PDEs), each followed by the invalidation the SDM asks for (INVLPG, INVPCID types 0-3, a CR3 load
/// without bit 63), CR3 loads with and without bit 63 under PCIDs, and reads and writes through the edited mappings.
/// Run with the TLB model (and its walk caches and nested TLB) on and off, it must leave identical registers and memory.
/// </summary>
public class TlbDifferentialTests(ITestOutputHelper output)
{
    const int Spaces = 3, Window = 16, Frames = 48;
    const ulong Tables = 0x200000, DataBase = 0x600000, WindowVa = 0x400000, Desc = 0x1F8000;
    static ulong Pml4(int k) => Tables + (ulong)k * 0x5000;
    static ulong Pd(int k) => Pml4(k) + 0x2000;
    static ulong Pt(int k, int which) => Pml4(k) + 0x3000 + (ulong)which * 0x1000;

    static string Program(int seed, int ops)
    {
        var rng = new Random(seed);
        var sb = new StringBuilder();
        void Emit(string s) => sb.AppendLine("    " + s);
        void Store(ulong at, ulong v) { Emit($"mov rax, 0x{v:X}"); Emit($"mov [0x{at:X}], rax"); }
        Emit("mov rsp, 0x1F0000");
        for (int k = 0; k < Spaces; k++)
        {
            Store(Pml4(k), (Pml4(k) + 0x1000) | 3);
            Store(Pml4(k) + 0x1000, Pd(k) | 3);
            Store(Pd(k), 0x000000 | 0x83);            // code, stack, scratch: a 2 MiB page
            Store(Pd(k) + 8, 0x200000 | 0x83);        // the tables themselves
            Store(Pd(k) + 16, Pt(k, 0) | 3);          // the window
            Store(Pd(k) + 24, DataBase | 0x83);       // the data frames, for a look from the side
            for (int w = 0; w < 2; w++)
                for (int i = 0; i < Window; i++)
                    Store(Pt(k, w) + (ulong)i * 8, (DataBase + (ulong)rng.Next(Frames) * 0x1000) | 3);
        }
        Emit("mov rax, cr4"); Emit("or rax, 1 << 17"); Emit("mov cr4, rax");   // PCIDE
        int cur = 0;
        Emit($"mov rax, 0x{Pml4(0) | 1:X}"); Emit("mov cr3, rax");
        var linked = new int[Spaces];
        void Invpcid(int type, int pcid, ulong va)
        {
            Store(Desc, (ulong)pcid); Store(Desc + 8, va);
            Emit($"mov ecx, {type}"); Emit($"invpcid rcx, [0x{Desc:X}]");
        }
        for (int n = 0; n < ops; n++)
        {
            int i = rng.Next(Window);
            ulong va = WindowVa + (ulong)i * 0x1000 + (ulong)rng.Next(512) * 8;
            switch (rng.Next(10))
            {
                case 0 or 1 or 2:
                    Emit($"mov rbx, [0x{va:X}]"); Emit("add r8, rbx"); Emit("rol r8, 7");
                    break;
                case 3 or 4:
                    Emit($"mov rax, 0x{(ulong)rng.NextInt64():X}"); Emit($"mov [0x{va:X}], rax"); Emit("add r9, rax");
                    break;
                case 5 or 6:
                {
                    // A PTE of some address space gets another frame, then exactly the invalidation that page needs.
                    int k = rng.Next(Spaces), w = rng.Next(2);
                    Store(Pt(k, w) + (ulong)i * 8, (DataBase + (ulong)rng.Next(Frames) * 0x1000) | 3);
                    ulong page = WindowVa + (ulong)i * 0x1000;
                    if (k == cur && rng.Next(2) == 0) Emit($"invlpg [0x{page:X}]");
                    else if (rng.Next(2) == 0) Invpcid(0, k + 1, page);
                    else Invpcid(1, k + 1, 0);
                    break;
                }
                case 7:
                {
                    // A PDE swaps the window's page table: every page under it changes, so the whole PCID goes.
                    int k = rng.Next(Spaces);
                    linked[k] ^= 1;
                    Store(Pd(k) + 16, Pt(k, linked[k]) | 3);
                    int how = rng.Next(3);
                    if (how == 0) Invpcid(1, k + 1, 0);
                    else if (how == 1) Invpcid(rng.Next(2) + 2, 0, 0);
                    else if (k == cur) { Emit($"mov rax, 0x{Pml4(k) | (ulong)(k + 1):X}"); Emit("mov cr3, rax"); }
                    else Invpcid(1, k + 1, 0);
                    break;
                }
                default:
                {
                    cur = rng.Next(Spaces);
                    ulong keep = rng.Next(2) == 0 ? 1UL << 63 : 0;
                    Emit($"mov rax, 0x{Pml4(cur) | (ulong)(cur + 1) | keep:X}"); Emit("mov cr3, rax");
                    break;
                }
            }
        }
        Emit("hlt");
        return sb.ToString();
    }

    public static TheoryData<VirtualizationStyle, MemoryVirtualization?, int> Cases()
    {
        var d = new TheoryData<VirtualizationStyle, MemoryVirtualization?, int>();
        foreach (int seed in new[] { 1, 2, 3 })
        {
            d.Add(VirtualizationStyle.Native, null, seed);
            d.Add(VirtualizationStyle.HardwareAssisted, MemoryVirtualization.Nested, seed);
            d.Add(VirtualizationStyle.HardwareAssisted, MemoryVirtualization.Shadow, seed);
        }
        return d;
    }

    /// <summary>Guest switches too: two guests making their own random edits share one physical CPU's TLB, walk caches
    /// and nested TLB, time-sliced every 61 instructions, with VPID tags and without; each must end exactly as
    /// it does alone with no TLB model at all, also when it is later stepped on its own, outside the scheduler.</summary>
    [Theory]
    [InlineData(VirtualizationStyle.HardwareAssisted, MemoryVirtualization.Nested, TlbTagging.Vpid)]
    [InlineData(VirtualizationStyle.HardwareAssisted, MemoryVirtualization.Nested, TlbTagging.None)]
    [InlineData(VirtualizationStyle.HardwareAssisted, MemoryVirtualization.Shadow, TlbTagging.Vpid)]
    [InlineData(VirtualizationStyle.Native, null, TlbTagging.None)]
    [InlineData(VirtualizationStyle.HardwareAssisted, MemoryVirtualization.Nested, TlbTagging.Vpid, VirtualizationStyle.Native)]
    public void GuestsSharingATlbNeverSeeEachOthersTranslations(VirtualizationStyle style, MemoryVirtualization? paging, TlbTagging tagging,
        VirtualizationStyle? secondStyle = null)
    {
        var lab = new Lab();
        var host = lab.AddHost("cpu", physicalCpus: 1);
        host.Update(tlbTagging: tagging, quantum: 61);
        var guests = new List<Guest>();
        var alone = new List<Guest>();
        foreach (int seed in new[] { 11, 12 })
        {
            // The second guest may run another style: an untagged one beside a tagged one.
            var s = seed == 12 ? secondStyle ?? style : style;
            var p = s == VirtualizationStyle.HardwareAssisted ? paging : null;
            var image = Assembler.Assemble(Program(seed, 300), null, Guest.DefaultLoadAddress).Bytes;
            var g = Guest.Create($"g{seed}", s, 16, image, paging: p);
            lab.Add(g, host);
            guests.Add(g);
            var reference = Guest.Create($"r{seed}", s, 16, image, paging: p);
            reference.Machine.Cpu.TlbModel = false;
            Assert.Equal(StopReason.Halt, reference.Step(10_000_000).StopReason);
            alone.Add(reference);
        }
        // Co-scheduled for a while, in one order and the other (a guest keeps its VPID whatever the order it is run in),
        // then stepped one at a time outside the scheduler (as separate Invoke-VStep calls would), still sharing the
        // physical CPU's caches.
        for (int round = 0; round < 8; round++)
        {
            // The host's tagging changes twice on the way (a guest that becomes untagged must not meet others' entries).
            if (round is 4 or 7) host.Update(tlbTagging: host.TlbTagging == TlbTagging.Vpid ? TlbTagging.None : TlbTagging.Vpid);
            HostScheduler.Run(round % 2 == 0 ? guests : [guests[1], guests[0]], 150);
        }
        Assert.True(guests.Sum(g => g.WorldSwitchesIn) > 10);
        while (guests.Any(g => g.State == GuestState.Ready))
            foreach (var g in guests.Where(g => g.State == GuestState.Ready)) g.Step(97);
        Assert.All(guests, g => Assert.Equal(GuestState.Halted, g.State));
        for (int k = 0; k < guests.Count; k++)
        {
            var on = guests[k].Machine; var off = alone[k].Machine;
            foreach (var r in Enum.GetValues<Gpr>()) Assert.Equal(off.Cpu.GetGpr(r), on.Cpu.GetGpr(r));
            var a = new byte[0x1000]; var b = new byte[0x1000];
            for (ulong pfn = 0; pfn < (16UL << 20) >> 12; pfn++)
            {
                off.Memory.Read(pfn << 12, a);
                on.Memory.Read(pfn << 12, b);
                Assert.True(a.AsSpan().SequenceEqual(b), $"guest {k}: frame 0x{pfn:X} differs");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void TheTlbModelNeverChangesWhatTheGuestComputes(VirtualizationStyle style, MemoryVirtualization? paging, int seed)
    {
        var image = Assembler.Assemble(Program(seed, 600), null, Guest.DefaultLoadAddress).Bytes;
        Guest RunWith(bool model)
        {
            var g = Guest.Create("d", style, 16, image, paging: paging);
            g.Machine.Cpu.TlbModel = model;
            var r = g.Step(10_000_000);
            Assert.True(r.StopReason == StopReason.Halt, $"{r.StopReason}: {g.LastException}");
            return g;
        }
        var on = RunWith(true);
        var off = RunWith(false);
        var t = on.Machine.Cpu.Caches.Tlb;
        output.WriteLine($"{style} {paging}: TLB on {on.Machine.Cpu.PageWalks} walks ({t.L1DataHits} L1 DTLB hits, {t.StlbHits} STLB hits, {t.StlbMisses} misses), off {off.Machine.Cpu.PageWalks} walks");
        Assert.True(t.StlbHits + t.L1DataHits > 0);
        foreach (var r in Enum.GetValues<Gpr>()) Assert.Equal(off.Machine.Cpu.GetGpr(r), on.Machine.Cpu.GetGpr(r));
        Assert.Equal(off.Machine.Cpu.Rip, on.Machine.Cpu.Rip);
        Assert.Equal(off.Machine.Cpu.Cr3, on.Machine.Cpu.Cr3);
        var a = new byte[0x1000]; var b = new byte[0x1000];
        for (ulong pfn = 0; pfn < (16UL << 20) >> 12; pfn++)
        {
            off.Machine.Memory.Read(pfn << 12, a);
            on.Machine.Memory.Read(pfn << 12, b);
            Assert.True(a.AsSpan().SequenceEqual(b), $"frame 0x{pfn:X} differs");
        }
    }
}
