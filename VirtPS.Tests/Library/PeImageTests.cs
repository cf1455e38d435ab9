using System.Buffers.Binary;
using VirtPS.Engine;
using VirtPS.Engine.Guests;
using VirtPS.Engine.Library;
using Xunit;

namespace VirtPS.Tests.Library;

/// <summary>Bad input to the PE loader, made from a real mingw-built PE: each a specific error id, and never a host exception.</summary>
public class PeImageTests
{
    static byte[] Real() => Mingw.BuildNoCrt(LibraryStyleTests.Hello);

    static string ErrorOf(byte[] bytes) =>
        Assert.Throws<VirtPSException>(() => Guest.CreateLibrary("bad", bytes)).ErrorId;

    [MingwFact]
    public void TruncatedImagesAreTruncated()
    {
        var pe = Real();
        int lfanew = BinaryPrimitives.ReadInt32LittleEndian(pe.AsSpan(0x3C));
        foreach (int cut in new[] { 0x3E, lfanew + 2, lfanew + 30, lfanew + 24 + 240 + 10, pe.Length / 2, pe.Length - 1 })
            Assert.Equal((cut, ErrorIds.PeTruncated), (cut, ErrorOf(pe[..cut])));
    }

    [MingwFact]
    public void ImagesForAnotherMachineAreRefusedNamingIt()
    {
        var pe = Real();
        int lfanew = BinaryPrimitives.ReadInt32LittleEndian(pe.AsSpan(0x3C));
        Assert.Equal(PeImage.MachineAmd64, BinaryPrimitives.ReadUInt16LittleEndian(pe.AsSpan(lfanew + 4)));
        foreach (var (machine, name) in new[] { (PeImage.MachineI386, "i386"), (PeImage.MachineArm64, "ARM64") })
        {
            var other = (byte[])pe.Clone();
            BinaryPrimitives.WriteUInt16LittleEndian(other.AsSpan(lfanew + 4), machine);
            var e = Assert.Throws<VirtPSException>(() => Guest.CreateLibrary("other", other));
            Assert.Equal(ErrorIds.PeMachineNotSupported, e.ErrorId);
            Assert.Contains(name, e.Message);
        }
    }

    [Fact]
    public void FilesThatAreNoPeAreRefused()
    {
        Assert.Equal(ErrorIds.NotPortableExecutable, ErrorOf("#!/bin/sh\necho hi\n"u8.ToArray()));
        Assert.Equal(ErrorIds.NotPortableExecutable, ErrorOf([0x7F, (byte)'E', (byte)'L', (byte)'F', 2, 1, 1, 0]));
        var mz = new byte[0x80];
        mz[0] = (byte)'M'; mz[1] = (byte)'Z'; mz[0x3C] = 0x40;   // an MS-DOS program: e_lfanew points at no "PE\0\0"
        Assert.Equal(ErrorIds.NotPortableExecutable, ErrorOf(mz));
        Assert.Equal(ErrorIds.LibraryNeedsPe, ErrorOf([]));
    }

    [MingwFact]
    public void Pe32OptionalHeaderIsInvalidForLibrary()
    {
        var pe = Real();
        int lfanew = BinaryPrimitives.ReadInt32LittleEndian(pe.AsSpan(0x3C));
        BinaryPrimitives.WriteUInt16LittleEndian(pe.AsSpan(lfanew + 24), 0x10B);
        Assert.Equal(ErrorIds.PeInvalid, ErrorOf(pe));
    }

    /// <summary>An import by ordinal (bit 63 of its lookup entry, PE/COFF) is read as one, and bound to the stub: the
    /// layer exports names only.</summary>
    [MingwFact]
    public void ImportByOrdinalIsUnimplemented()
    {
        var pe = Real();
        var image = PeImage.Parse(pe);
        var first = image.Imports[0];
        // Rewrite the first import's lookup and IAT entries as "ordinal 7".
        var (dir, _) = image.Directories[PeImage.ImportDirectory];
        uint ilt = BinaryPrimitives.ReadUInt32LittleEndian(pe.AsSpan(FileOffset(image, dir)));
        foreach (uint rva in new[] { ilt, first.IatRva })
            BinaryPrimitives.WriteUInt64LittleEndian(pe.AsSpan(FileOffset(image, rva)), 0x8000_0000_0000_0007);
        var g = Guest.CreateLibrary("ordinal", pe);
        var imp = g.PeImage!.Imports[0];
        Assert.Equal((ushort)7, imp.Ordinal);
        Assert.Equal("#7", imp.Name);
        Assert.False(imp.Implemented);
    }

    static int FileOffset(PeImage image, uint rva)
    {
        var s = image.Sections.First(s => rva >= s.VirtualAddress && rva < s.VirtualAddress + s.SizeOfRawData);
        return (int)(s.PointerToRawData + rva - s.VirtualAddress);
    }
}

/// <summary>Hostile files: a real PE with bytes of its headers and import data changed at random (a fixed seed). Each
/// either loads or is refused with a VirtPSException; nothing else escapes to the host.</summary>
public class PeFuzzTests
{
    [MingwFact]
    public void MutatedImagesAreRefusedOrLoadedNeverCrash()
    {
        var pe = Mingw.BuildNoCrt(LibraryStyleTests.Hello);
        var image = PeImage.Parse(pe);
        var idata = image.Sections.First(s => s.Name == ".idata");
        var rng = new Random(15);
        int refused = 0, loaded = 0;
        for (int k = 0; k < 100; k++)
        {
            var bad = (byte[])pe.Clone();
            for (int n = rng.Next(1, 4); n > 0; n--)
            {
                int at = rng.Next(2) == 0 ? rng.Next(0x200) : (int)idata.PointerToRawData + rng.Next((int)idata.SizeOfRawData);
                bad[at] = (byte)rng.Next(256);
            }
            Guest g;
            try { g = Guest.CreateLibrary("fuzz", bad); loaded++; }
            catch (VirtPSException) { refused++; continue; }
            g.Step(100_000);   // whatever the loader let through runs as guest code: its faults are guest events
        }
        Assert.Equal(100, refused + loaded);
        Assert.True(refused > 0 && loaded > 0, $"{refused} refused, {loaded} loaded");
    }
}

public class LibrarySpecTests
{
    [Fact]
    public void LibraryGuestsRunOneProcessAndNoWorkload()
    {
        var spec = new GuestSpec { Name = "x", Style = VirtualizationStyle.Library, Kind = GuestImageKind.UserProgram, Image = [0x4D, 0x5A], Processes = 2 };
        Assert.Equal(ErrorIds.InvalidProcessCount, Assert.Throws<VirtPSException>(spec.Validate).ErrorId);
        var workload = new GuestSpec { Name = "x", Style = VirtualizationStyle.Library, Kind = GuestImageKind.Workload, Workload = "compute" };
        Assert.Equal(ErrorIds.LibraryNeedsPe, Assert.Throws<VirtPSException>(workload.Validate).ErrorId);
        Assert.Equal(ErrorIds.LibraryNeedsPe, Assert.Throws<VirtPSException>(() => Guest.Create("b", VirtualizationStyle.Library, 16, [0xF4])).ErrorId);
        Assert.Equal(ErrorIds.LibraryNeedsPe, Assert.Throws<VirtPSException>(() => StyleComparison.Count([VirtualizationStyle.Library], null, null)).ErrorId);
        Assert.DoesNotContain(VirtualizationStyle.Library, VirtPS.Engine.Styles.Vmm.WorkloadStyles);
    }
}
