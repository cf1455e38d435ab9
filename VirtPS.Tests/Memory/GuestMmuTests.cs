using System.Buffers.Binary;
using VirtPS.Engine;
using VirtPS.Engine.Memory;
using Xunit;

namespace VirtPS.Tests.Memory;

/// <summary>
/// Every guest MMU through the one interface (<see cref="IGuestMmu"/>): the same random page-table edits give the same
/// translations — the same guest-physical address, or the same #PF error code — from every scheme that can express them
/// (native, shadow, nested, paravirtual direct, an emulator's software MMU), checked against the SDM's 4-level walk
/// (<see cref="PageWalker"/>) over the same tables. Edits reach the direct scheme only through its validating update (a
/// refused edit is made nowhere), and each batch ends with the invalidation a guest would make.
/// </summary>
public class GuestMmuTests
{
    const ulong Size = 16 << 20;
    const ulong L4 = 0x10000, L3Base = 0x11000, L2Base = 0x15000, L1Base = 0x19000, DataBase = 0x200000;
    const int PoolL3 = 2, PoolL2 = 4, PoolL1 = 8, DataFrames = 64;
    const ulong P = 1, W = 2, U = 4;

    static ulong Read(PhysicalMemory m, ulong at) => BinaryPrimitives.ReadUInt64LittleEndian(m.Frame(at >> 12).AsSpan((int)(at & 0xFFF)));
    static void Write(PhysicalMemory m, ulong at, ulong v) => BinaryPrimitives.WriteUInt64LittleEndian(m.Frame(at >> 12).AsSpan((int)(at & 0xFFF)), v);

    /// <summary>A linear address in the low 512 GiB whose table indexes fall inside the pools' first entries.</summary>
    static ulong Address(Random r) =>
        ((ulong)r.Next(2) << 39) | ((ulong)r.Next(4) << 30) | ((ulong)r.Next(4) << 21) | ((ulong)r.Next(8) << 12) | (ulong)r.Next(0x1000);

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void RandomPageTableEditsTranslateTheSameUnderEveryScheme(int seed)
    {
        var rng = new Random(seed);
        var m = new PhysicalMemory(Size);
        m.Frame(L4 >> 12);   // the root exists (all zero) before anything is typed
        var ept = new ExtendedPageTables(Size);
        var nested = new NestedMmu(m, ept) { EptExit = f => ept.Map(f.Gpa, out _) };
        var direct = new DirectPagingMmu(m);
        Assert.Equal(0, direct.NewBaseptr(L4 >> 12));
        var schemes = new IGuestMmu[] { new NativeMmu(m), new ShadowMmu(m, new ShadowPageTables(m)), nested, direct, new SoftwareMmu(m) };
        Assert.Equal([MemoryVirtualization.Native, MemoryVirtualization.Shadow, MemoryVirtualization.Nested, MemoryVirtualization.Direct,
            MemoryVirtualization.Software], schemes.Select(s => s.Kind));

        // A whole tree to start from, linked top-down through the validating update (a table is typed when linked, and
        // only a typed table's entries may be updated).
        for (int i = 0; i < 2; i++) Assert.Equal(0, direct.Update(L4 + (ulong)i * 8, L3Base + (ulong)i * 0x1000 | P | W | U));
        for (int t = 0; t < PoolL3; t++) for (int i = 0; i < 4; i++)
            Assert.Equal(0, direct.Update(L3Base + (ulong)t * 0x1000 + (ulong)i * 8, L2Base + (ulong)((t + i) % PoolL2) * 0x1000 | P | W | U));
        for (int t = 0; t < PoolL2; t++) for (int i = 0; i < 4; i++)
            Assert.Equal(0, direct.Update(L2Base + (ulong)t * 0x1000 + (ulong)i * 8, L1Base + (ulong)((2 * t + i) % PoolL1) * 0x1000 | P | W | U));
        for (int t = 0; t < PoolL1; t++) for (int i = 0; i < 8; i++)
            Assert.Equal(0, direct.Update(L1Base + (ulong)t * 0x1000 + (ulong)i * 8, DataBase + (ulong)((t * 8 + i) % DataFrames) * 0x1000 | P | W | U));

        int accepted = 0, translated = 0, faulted = 0;
        for (int batch = 0; batch < 40; batch++)
        {
            for (int e = 0; e < 8; e++)
            {
                // An entry of one of the pools' tables, pointing at a table of the next level down or (in an L1) a data frame.
                int level = rng.Next(1, 5);
                ulong table = level switch
                {
                    4 => L4,
                    3 => L3Base + (ulong)rng.Next(PoolL3) * 0x1000,
                    2 => L2Base + (ulong)rng.Next(PoolL2) * 0x1000,
                    _ => L1Base + (ulong)rng.Next(PoolL1) * 0x1000,
                };
                int index = rng.Next(level == 4 ? 2 : level == 1 ? 8 : 4);
                ulong target = level switch
                {
                    4 => L3Base + (ulong)rng.Next(PoolL3) * 0x1000,
                    3 => L2Base + (ulong)rng.Next(PoolL2) * 0x1000,
                    2 => L1Base + (ulong)rng.Next(PoolL1) * 0x1000,
                    _ => DataBase + (ulong)rng.Next(DataFrames) * 0x1000,
                };
                ulong value = rng.Next(6) == 0 ? 0 : target | P | (rng.Next(4) > 0 ? W : 0) | (rng.Next(4) > 0 ? U : 0);
                ulong at = table + (ulong)index * 8;
                ulong old = Read(m, at);
                // The direct scheme validates: a refused edit (e.g. a table mapped writable) is made nowhere.
                if (direct.Update(at, value) < 0) { Assert.Equal(old, Read(m, at)); continue; }
                accepted++;
            }
            foreach (var s in schemes) s.Invalidate(MmuInvalidation.PagingControls, L4, 0);   // as the guest flushes after its edits

            for (int k = 0; k < 32; k++)
            {
                ulong la = Address(rng);
                bool user = rng.Next(2) == 0;
                var mode = new PagingMode(L4, WriteProtect: true, Smep: false, NoExecute: true, User: user);
                var truth = PageWalker.Walk(m, la, AccessKind.Read, mode, out var pf);
                if (truth is null) faulted++; else translated++;
                foreach (var s in schemes)
                {
                    var t = s.Translate(la, AccessKind.Read, mode, new MmuContext(null, 0, 0, 0, L4));
                    Assert.True(t.MachineCheck is null, $"{s.Kind}: 0x{la:X}: {t.MachineCheck}");
                    Assert.True(truth is null == t.Faulted, $"{s.Kind}: 0x{la:X} {(truth is null ? "faults" : "translates")} natively, not under {s.Kind}");
                    if (truth is { } tr) Assert.True(tr.Physical == t.Gpa, $"{s.Kind}: 0x{la:X} -> 0x{t.Gpa:X}, natively 0x{tr.Physical:X}");
                    else Assert.True(pf.ErrorCode == t.PageFault.ErrorCode, $"{s.Kind}: 0x{la:X} #PF({t.PageFault.ErrorCode:X}), natively #PF({pf.ErrorCode:X})");
                }
            }
        }
        // The edits exercised both outcomes, and the direct scheme accepted most of them.
        Assert.True(translated > 100 && faulted > 50, $"translated {translated}, faulted {faulted}");
        Assert.True(accepted > 100, $"accepted {accepted}");
    }
}
