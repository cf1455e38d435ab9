using VirtPS.Engine;
using VirtPS.Engine.Costs;
using VirtPS.Engine.Guests;
using VirtPS.Engine.Memory;
using VirtPS.Engine.Styles;
using VirtPS.Engine.Trace;
using Xunit;
using static Iced.Intel.AssemblerRegisters;
using Ept = VirtPS.Engine.Memory.ExtendedPageTables;

namespace VirtPS.Tests.Memory;

/// <summary>
/// Nested paging against the Intel SDM Vol. 3C: the EPT entry format and walk (29.3.2), EPT violations and their
/// exit qualification (Table 28-7), misconfigurations (29.3.3.1), and the two-dimensional walk's reference count
/// (Bhargava et al., ASPLOS 2008: n·m + n + m).
/// </summary>
public class NestedPagingTests
{
    const ulong P = PageWalker.Present, W = PageWalker.Writable, U = PageWalker.UserBit;

    static int Index(ulong address, int level) => (int)((address >> (12 + 9 * (level - 1))) & 0x1FF);

    static void Put(PhysicalMemory m, ulong at, ulong v) => m.Write(at, BitConverter.GetBytes(v));

    /// <summary>
    /// Guest tables and EPT tables built by hand, with EPT sending each guest frame somewhere unrelated to its GPA:
    /// the walker's 24 references, their order and the final HPA must be what the SDM's address arithmetic gives.
    /// </summary>
    [Fact]
    public void TwoDimensionalWalkMatchesTheSdmArithmetic()
    {
        var guest = new PhysicalMemory(64UL << 20);
        const ulong la = 0x0000_1234_5678_9ABC;
        ulong[] tables = [0x10000, 0x11000, 0x12000, 0x13000];   // guest PML4, PDPT, PD, PT (GPAs)
        const ulong frame = 0x2345000;                             // the guest page
        for (int i = 0; i < 4; i++)
            Put(guest, tables[i] + (ulong)Index(la, 4 - i) * 8, (i < 3 ? tables[i + 1] : frame) | P | W | U);

        // EPT by hand: GPA -> HPA, deliberately scrambled.
        var hpaOf = new Dictionary<ulong, ulong>
        {
            [0x10000] = 0x3_0000_5000, [0x11000] = 0x3_0000_1000, [0x12000] = 0x3_0000_9000,
            [0x13000] = 0x3_0000_2000, [frame] = 0x3_0ABC_D000,
        };
        var ept = new Ept(guest.Size);
        ulong eptPdpt = Ept.TablesBase + 0x10000, eptPd = Ept.TablesBase + 0x11000;
        var eptPt = new Dictionary<int, ulong> { [0] = Ept.TablesBase + 0x12000, [Index(frame, 2)] = Ept.TablesBase + 0x13000 };
        const ulong rwx = Ept.Read | Ept.Write | Ept.Execute;
        foreach (var (gpa, hpa) in hpaOf)
        {
            ept.WriteEntryAt(Ept.TablesBase + (ulong)Index(gpa, 4) * 8, eptPdpt | rwx);
            ept.WriteEntryAt(eptPdpt + (ulong)Index(gpa, 3) * 8, eptPd | rwx);
            ept.WriteEntryAt(eptPd + (ulong)Index(gpa, 2) * 8, eptPt[Index(gpa, 2)] | rwx);
            ept.WriteEntryAt(eptPt[Index(gpa, 2)] + (ulong)Index(gpa, 1) * 8, hpa | rwx | Ept.WriteBack << 3);
        }

        // The expected references, from the SDM alone: for each guest table, the EPT walk of its entry's GPA, then
        // the entry; then the EPT walk of the final GPA.
        var expected = new List<(WalkDimension, int, ulong?, ulong, ulong)>();
        void EptWalk(ulong gpa)
        {
            ulong pt = eptPt[Index(gpa, 2)];
            expected.Add((WalkDimension.Nested, 4, null, Ept.TablesBase, eptPdpt | rwx));
            expected.Add((WalkDimension.Nested, 3, null, eptPdpt, eptPd | rwx));
            expected.Add((WalkDimension.Nested, 2, null, eptPd, pt | rwx));
            expected.Add((WalkDimension.Nested, 1, null, pt, hpaOf[gpa & ~0xFFFUL] | rwx | Ept.WriteBack << 3));
        }
        for (int i = 0; i < 4; i++)
        {
            EptWalk(tables[i]);
            expected.Add((WalkDimension.Guest, 4 - i, tables[i], hpaOf[tables[i]], (i < 3 ? tables[i + 1] : frame) | P | W | U));
        }
        EptWalk(frame);

        var log = new List<WalkReference>();
        var mode = new PagingMode(tables[0], WriteProtect: true, Smep: false, NoExecute: true, User: false);
        var w = NestedWalker.Walk(guest, ept, la, AccessKind.Read, mode, setFlags: false, log);

        Assert.Equal(NestedOutcome.Translated, w.Outcome);
        Assert.Equal(24, w.References);
        Assert.Equal(expected, log.Select(r => (r.Dimension, r.Level, r.TableGpa, r.TableHpa, r.Entry)));
        Assert.Equal(frame | (la & 0xFFF), w.Gpa);
        Assert.Equal(0x3_0ABC_D000UL | (la & 0xFFF), w.Hpa);   // bits 51:12 from the EPT PTE, 11:0 from the GPA
        // Each EPT walk translates the guest entry's address (table + index·8), the last one the final GPA.
        ulong[] forGpa = [.. tables.Select((t, i) => t + (ulong)Index(la, 4 - i) * 8), frame | (la & 0xFFF)];
        Assert.Equal(forGpa.SelectMany(a => Enumerable.Repeat(a, 4)), log.Where(r => r.Dimension == WalkDimension.Nested).Select(r => r.ForGpa!.Value));
        // No trace: neither the guest's accessed bits nor EPT's were set by this look.
        Assert.Equal(tables[1] | P | W | U, BitConverter.ToUInt64(guest.Read(tables[0] + (ulong)Index(la, 4) * 8, 8)));
        Assert.Equal(eptPdpt | rwx, ept.ReadEntryAt(Ept.TablesBase + (ulong)Index(frame, 4) * 8));

        // The same walk for real sets guest A bits and EPT A bits (D on the leaves of guest tables: with EPT A/D
        // enabled, paging-structure accesses are writes, SDM Vol. 3C 29.3.5).
        w = NestedWalker.Walk(guest, ept, la, AccessKind.Read, mode, setFlags: true);
        Assert.Equal(NestedOutcome.Translated, w.Outcome);
        Assert.NotEqual(0UL, BitConverter.ToUInt64(guest.Read(tables[0] + (ulong)Index(la, 4) * 8, 8)) & PageWalker.Accessed);
        ulong tableLeaf = ept.ReadEntryAt(ept.EntryAddress(tables[0])!.Value);
        Assert.Equal(Ept.Accessed | Ept.Dirty, tableLeaf & (Ept.Accessed | Ept.Dirty));
        Assert.Equal(Ept.Accessed, ept.ReadEntryAt(ept.EntryAddress(frame)!.Value) & (Ept.Accessed | Ept.Dirty));
    }

    /// <summary>With 2 MiB EPT pages each EPT walk stops at level 2: 4·(3+1) + 3 = 19 references.</summary>
    [Fact]
    public void TwoMegabyteEptPagesMakeNineteenReferences()
    {
        var g = Guest.CreateWorkload("n", "compute", 100, style: VirtualizationStyle.HardwareAssisted);
        ((HardwareAssisted)g.Vmm).EptPageSize = Ept.LargePageSize;
        g.Step(null);
        g.ClearTlb();   // a cold walk: nothing in the TLB, walk caches or nested TLB
        var t = g.Translate(Engine.Guests.Kernel.UserCodeAddress);
        Assert.Equal(19, t.References);
        Assert.Equal(4, t.Walk.Count(r => r.Dimension == WalkDimension.Guest));
        Assert.All(t.Walk.Where(r => r.Dimension == WalkDimension.Nested), r => Assert.InRange(r.Level, 2, 4));
        Assert.Equal(t.Gpa + Ept.DefaultHostBase, t.Hpa);
        Assert.Equal(19 * g.Costs.Cycles(CostEvent.PageWalkReference), t.Cycles);
    }

    static (Guest Guest, HardwareAssisted Vmm, List<TraceEvent> Exits) RunBare(Action<Iced.Intel.Assembler> code, Action<Guest>? before = null)
    {
        var bytes = VirtPS.Tests.Cpu.GuestCode.Assemble(Guest.DefaultLoadAddress, code);
        var g = Guest.Create("b", VirtualizationStyle.HardwareAssisted, 16, bytes);
        var exits = new List<TraceEvent>();
        g.Machine.Cpu.Tracer = e => { if (e.Kind == TraceKind.VmmEntry) exits.Add(e); };
        before?.Invoke(g);
        g.Machine.Run(10_000);
        Assert.True(g.Machine.Halted, $"{g.LastException}");
        return (g, (HardwareAssisted)g.Vmm, exits);
    }

    /// <summary>The first fetch walks the loader's tables (PML4 0x9000, PDPT 0xA000, PD 0xB000 with 2 MiB pages):
    /// each table's first touch is an EPT violation on a paging-structure access (a write, EPT A/D being on:
    /// qualification bit 1, bit 7 set, bit 8 clear), then the code page's (a fetch: bit 2, bits 7 and 8), then the
    /// store's (bit 1, bits 7 and 8). Nothing was readable yet (bits 3-5 clear). No #PF, CR3 or INVLPG exits.</summary>
    [Fact]
    public void EptViolationsCarryTheSdmQualification()
    {
        var (_, ha, exits) = RunBare(a =>
        {
            a.mov(__byte_ptr[0x300000], 1);
            a.mov(rax, cr3);
            a.mov(cr3, rax);
            a.invlpg(__[0x300000]);
            a.hlt();
        });
        var got = exits.Select(e => (e.Vector!.Value, e.Qualification!.Value, e.Detail!)).ToArray();
        Assert.Equal([(48, 0x82UL), (48, 0x82UL), (48, 0x82UL), (48, 0x184UL), (48, 0x182UL), (12, 0UL)], got.Select(x => (x.Item1, x.Item2)));
        Assert.Equal(["0x9000", "0xA000", "0xB000", "0x100000", "0x300000"], got.Take(5).Select(x => x.Item3.Split("guest-physical ")[1]));
        Assert.Equal(5, ha.EptViolations);
        Assert.Equal(0u, ha.ExceptionBitmap);
    }

    /// <summary>Permissions narrower than the access: the qualification's bits 3-5 say what the EPT entries allowed.</summary>
    [Fact]
    public void PermissionViolationReportsWhatEptAllowed()
    {
        var (g, ha, exits) = RunBare(a =>
        {
            a.mov(rax, __qword_ptr[0x300000]);   // maps the data frame
            a.mov(__byte_ptr[0x200], 1);         // a frame made read/execute-only below... after the first run
            a.hlt();
        }, g =>
        {
            // Pre-map frame 0 read+execute only: the store to 0x200 is a write the EPT denies.
            var ept = ((HardwareAssisted)g.Vmm).Ept!;
            ept.Map(0, out _);
            ulong slot = ept.EntryAddress(0)!.Value;
            ept.WriteEntryAt(slot, (ept.ReadEntryAt(slot) & ~Ept.Write));
        });
        var denied = exits.Single(e => e.Detail!.EndsWith("guest-physical 0x200"));
        Assert.Equal(2UL | (Ept.Read | Ept.Execute) << 3 | 0x80 | 0x100, denied.Qualification);
        Assert.Equal(1UL, g.Machine.Memory.Read(0x200, 1)[0]);   // the VMM remapped it and the store went through
        Assert.True(ha.EptViolations >= 6);
    }

    /// <summary>An entry with write but not read access is an EPT misconfiguration (SDM 29.3.3.1): exit 49, reported
    /// as such by Get-VTranslation's engine call, and repaired by the VMM (the next access maps the frame anew).</summary>
    [Fact]
    public void WriteWithoutReadIsAMisconfiguration()
    {
        var bytes = VirtPS.Tests.Cpu.GuestCode.Assemble(Guest.DefaultLoadAddress, a =>
        {
            a.mov(rax, __qword_ptr[0x300000]);
            a.nop();
            a.mov(rbx, __qword_ptr[0x300000]);
            a.hlt();
        });
        var g = Guest.Create("m", VirtualizationStyle.HardwareAssisted, 16, bytes);
        var ha = (HardwareAssisted)g.Vmm;
        g.Machine.Memory.Write(0x300000, BitConverter.GetBytes(0x1234UL));
        g.Machine.Run(1);   // the first load: maps the code and data frames
        ulong slot = ha.Ept!.EntryAddress(0x300000)!.Value;
        ha.Ept.WriteEntryAt(slot, (ha.Ept.ReadEntryAt(slot) & ~7UL) | Ept.Write);   // W without R
        var e = Assert.Throws<VirtPSException>(() => g.Translate(0x300000));
        Assert.Equal("EptMisconfiguration", e.ErrorId);
        Assert.Equal(ErrorKind.InvalidData, e.Kind);
        Assert.Contains("write access without read access", e.Message);
        g.Machine.Run(10);
        Assert.True(g.Machine.Halted);
        Assert.Equal(1, ha.EptMisconfigurations);
        Assert.Equal(EptExitKind.Violation, ha.LastEptExit!.Value.Kind);   // repaired, then mapped again
        Assert.Equal(0x1234UL, g.Machine.Cpu.GetGpr(Engine.Cpu.Gpr.Rbx));
    }

    /// <summary>Lazy mapping: one EPT violation per guest frame touched (4 KiB EPT pages), one per 2 MiB region with
    /// 2 MiB pages. The frames: the three loader tables, the code page, and ten data pages.</summary>
    [Theory]
    [InlineData(Ept.SmallPage, 3 + 1 + 10)]
    [InlineData(Ept.LargePageSize, 2)]
    public void OneViolationPerFrameTouched(ulong eptPage, long expected)
    {
        var (g, ha, _) = RunBare(a =>
        {
            for (int k = 0; k < 10; k++) a.mov(__byte_ptr[0x300000 + k * 0x1000], (byte)k);
            for (int k = 0; k < 10; k++) a.mov(al, __byte_ptr[0x300000 + k * 0x1000]);   // touched again: no exit
            a.hlt();
        }, g => ((HardwareAssisted)g.Vmm).EptPageSize = eptPage);
        Assert.Equal(expected, ha.EptViolations);
        Assert.Equal(expected, ha.Ept!.Mappings);
        Assert.Equal(expected + 1, ha.TotalExits);   // and the HLT
    }

    /// <summary>Nested paging needs none of shadow paging's exits: on ptemod and forkwait it takes no #PF, CR3 or
    /// INVLPG exits, where shadow paging takes them by the thousand, and it costs fewer cycles per iteration.</summary>
    [Theory]
    [InlineData("ptemod")]
    [InlineData("forkwait")]
    public void NestedRemovesShadowPagingsExits(string workload)
    {
        var model = CostModel.Builtin("Modern");
        var rows = new Dictionary<MemoryVirtualization, StyleComparisonRow>();
        foreach (var paging in new[] { MemoryVirtualization.Nested, MemoryVirtualization.Shadow })
            rows[paging] = StyleComparison.Run(workload, [VirtualizationStyle.HardwareAssisted], 200, model, paging: [paging])
                .Single(r => r.Style == VirtualizationStyle.HardwareAssisted);
        Assert.Equal(rows[MemoryVirtualization.Nested].Console, rows[MemoryVirtualization.Shadow].Console);
        Assert.True(rows[MemoryVirtualization.Nested].Exits < rows[MemoryVirtualization.Shadow].Exits,
            $"exits nested {rows[MemoryVirtualization.Nested].Exits} shadow {rows[MemoryVirtualization.Shadow].Exits}");
        Assert.True(rows[MemoryVirtualization.Nested].CyclesPerIteration < rows[MemoryVirtualization.Shadow].CyclesPerIteration);

        var nested = VirtPS.Tests.Styles.StyleTests.Run(workload, VirtualizationStyle.HardwareAssisted, 200, paging: MemoryVirtualization.Nested);
        var shadow = VirtPS.Tests.Styles.StyleTests.Run(workload, VirtualizationStyle.HardwareAssisted, 200, paging: MemoryVirtualization.Shadow);
        var n = ((HardwareAssisted)nested.Vmm).Exits;
        var s = ((HardwareAssisted)shadow.Vmm).Exits;
        foreach (var r in new[] { ExitReason.ExceptionOrNmi, ExitReason.Invlpg })
            Assert.False(n.ContainsKey(r), $"nested took {r} exits");
        Assert.True(s.GetValueOrDefault(ExitReason.ExceptionOrNmi) > 200, $"shadow #PF exits {s.GetValueOrDefault(ExitReason.ExceptionOrNmi)}");
        // CR3 loads (context switches) exit only under shadow paging; nested keeps the CR0/CR4 exits the VMM's masks ask for.
        Assert.True(n.GetValueOrDefault(ExitReason.ControlRegisterAccess) < s.GetValueOrDefault(ExitReason.ControlRegisterAccess));
        Assert.True(n.GetValueOrDefault(ExitReason.EptViolation) > 0);
    }

    /// <summary>Under nested paging the guest may drop the CR3, INVLPG and exception exits; under shadow it may not.</summary>
    [Fact]
    public void NestedLetsTheGuestKeepItsPagingExits()
    {
        var nested = Guest.Create("n", VirtualizationStyle.HardwareAssisted, 16, [0xF4]);
        var ha = (HardwareAssisted)nested.Vmm;
        ha.SetExits([ExitReason.Invlpg, ExitReason.ExceptionOrNmi], []);
        Assert.NotEqual(VmExecutionControls.None, ha.Controls & VmExecutionControls.InvlpgExiting);
        ha.SetExits([], [ExitReason.Invlpg, ExitReason.ExceptionOrNmi, ExitReason.ControlRegisterAccess]);
        Assert.Equal(VmExecutionControls.None, ha.Controls & (VmExecutionControls.InvlpgExiting | VmExecutionControls.Cr3LoadExiting));
        Assert.Equal(0u, ha.ExceptionBitmap);

        var shadow = Guest.Create("s", VirtualizationStyle.HardwareAssisted, 16, [0xF4], paging: MemoryVirtualization.Shadow);
        var e = Assert.Throws<VirtPSException>(() => ((HardwareAssisted)shadow.Vmm).SetExits([], [ExitReason.Invlpg]));
        Assert.Equal("ShadowPagingNeedsExit", e.ErrorId);
        var p = Assert.Throws<VirtPSException>(() => Guest.Create("x", VirtualizationStyle.Native, 16, [0xF4], paging: MemoryVirtualization.Nested));
        Assert.Equal("PagingModeNeedsHardwareAssisted", p.ErrorId);
    }

    /// <summary>Get-VTranslation's engine call leaves the guest as it was: nothing mapped, no bit set, no frame made.</summary>
    [Fact]
    public void TranslateLeavesNoTrace()
    {
        var g = Guest.CreateWorkload("t", "compute", 50, style: VirtualizationStyle.HardwareAssisted);
        g.Step(null);
        g.ClearTlb();   // a cold walk
        var ha = (HardwareAssisted)g.Vmm;
        long mappings = ha.Ept!.Mappings, resident = g.ResidentBytes;
        var before = g.Machine.Memory.Read(0, 8 << 20);
        var t = g.Translate(0x401FF000, AccessKind.Write);   // the user stack: a write walk would set D natively
        Assert.Equal(24, t.References);
        Assert.Equal(mappings, ha.Ept.Mappings);
        Assert.Equal(resident, g.ResidentBytes);
        Assert.Equal(before, g.Machine.Memory.Read(0, 8 << 20));
        var v = Assert.Throws<VirtPSException>(() => g.Translate(0x0000_8000_0000_0000));   // bit 47 set, 63:48 clear
        Assert.Equal("NonCanonicalAddress", v.ErrorId);
    }
}

public class TranslationInputTests
{
    /// <summary>This machine boots guests in long mode with paging on, so no guest program can reach this state; the
    /// check is exercised on a processor whose CR0.PG is cleared directly.</summary>
    [Fact]
    public void ATranslationWithPagingDisabledIsRefusedNamingCr0()
    {
        var g = VirtPS.Engine.Guests.Guest.Create("p", VirtPS.Engine.VirtualizationStyle.Native, 16, [0xF4]);
        g.Machine.Cpu.Cr0 &= ~VirtPS.Engine.Cpu.Processor.Cr0PG;
        var e = Assert.Throws<VirtPS.Engine.VirtPSException>(() => g.Translate(0x100000));
        Assert.Equal("PagingDisabled", e.ErrorId);
        Assert.Contains($"0x{g.Machine.Cpu.Cr0:X}", e.Message);
    }

    [Fact]
    public void ANonCanonicalAddressIsRefusedNamingIt()
    {
        var g = VirtPS.Engine.Guests.Guest.Create("c", VirtPS.Engine.VirtualizationStyle.Native, 16, [0xF4]);
        var e = Assert.Throws<VirtPS.Engine.VirtPSException>(() => g.Translate(0x0000_8000_0000_0000));
        Assert.Equal("NonCanonicalAddress", e.ErrorId);
        Assert.Contains("0x800000000000", e.Message);
    }
}
