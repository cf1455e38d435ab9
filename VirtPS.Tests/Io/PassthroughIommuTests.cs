using System.Security.Cryptography;
using VirtPS.Engine;
using VirtPS.Engine.Guests;
using VirtPS.Engine.Io;
using VirtPS.Engine.Memory.Iommu;
using Xunit;

namespace VirtPS.Tests.Io;

/// <summary>
/// A guest that owns an assigned (passthrough) virtio-blk device programs it, with its own driver code at CPL 0, to DMA
/// outside the guest's memory: one read request whose data buffer lies past the end of guest RAM, one write request whose
/// data comes from there. The IOMMU blocks both (VT-d: the second-level entry is not present), records DMA-remapping
/// faults, and the host image and another guest's memory are byte-identical before and after (compared by hash).
/// </summary>
public class PassthroughIommuTests
{
    const int GuestMB = 8;
    internal const ulong Desc = 0x300000, Avail = 0x301000, Used = 0x302000, Hdr = 0x303000, Status = 0x303100;
    const ulong Wild = (ulong)GuestMB << 20 | 0x5000;   // 20 KiB past the end of guest memory

    // The program finds the function's IO BAR in PCI configuration space, brings the device up by virtio 1.2 §3.1.1, sets up
    // queue 0 (§4.1.4.3 register offsets) and queues two requests (§5.2.6): an IN into <data> and an OUT from <data>.
    internal static string Program(ulong data) => $$"""
        bits 64
        default rel
            mov eax, 0x80000810         ; bus 0, device 1, function 0, register 0x10: BAR 0
            mov dx, 0xCF8
            out dx, eax
            mov dx, 0xCFC
            in eax, dx
            and eax, ~3
            mov ebx, eax
            lea edx, [rbx + 0x14]       ; device_status: reset, ACKNOWLEDGE | DRIVER
            xor eax, eax
            out dx, al
            mov al, 3
            out dx, al
            lea edx, [rbx + 0x08]       ; driver_feature_select = 1, driver_feature = VIRTIO_F_VERSION_1 (bit 32)
            mov eax, 1
            out dx, eax
            lea edx, [rbx + 0x0C]
            out dx, eax
            lea edx, [rbx + 0x14]       ; FEATURES_OK
            mov al, 11
            out dx, al
            lea edx, [rbx + 0x16]       ; queue_select 0, queue_size 16, the three areas, queue_enable
            xor eax, eax
            out dx, ax
            lea edx, [rbx + 0x18]
            mov ax, 16
            out dx, ax
            lea edx, [rbx + 0x20]
            mov eax, {{Desc}}
            out dx, eax
            lea edx, [rbx + 0x28]
            mov eax, {{Avail}}
            out dx, eax
            lea edx, [rbx + 0x30]
            mov eax, {{Used}}
            out dx, eax
            lea edx, [rbx + 0x1C]
            mov ax, 1
            out dx, ax
            lea edx, [rbx + 0x14]       ; DRIVER_OK
            mov al, 15
            out dx, al
            ; request headers: IN sector 0 at Hdr, OUT sector 8 at Hdr + 16
            mov dword [{{Hdr}}], 0
            mov qword [{{Hdr}} + 8], 0
            mov dword [{{Hdr}} + 16], 1
            mov qword [{{Hdr}} + 24], 8
            ; chain 0: header, data (device writes) at Wild, status
            mov rax, {{Hdr}}
            mov [{{Desc}}], rax
            mov dword [{{Desc}} + 8], 16
            mov word [{{Desc}} + 12], 1
            mov word [{{Desc}} + 14], 1
            mov rax, {{data}}
            mov [{{Desc}} + 16], rax
            mov dword [{{Desc}} + 24], 4096
            mov word [{{Desc}} + 28], 3
            mov word [{{Desc}} + 30], 2
            mov rax, {{Status}}
            mov [{{Desc}} + 32], rax
            mov dword [{{Desc}} + 40], 1
            mov word [{{Desc}} + 44], 2
            ; chain 3: header, data (device reads) at Wild, status
            mov rax, {{Hdr}} + 16
            mov [{{Desc}} + 48], rax
            mov dword [{{Desc}} + 56], 16
            mov word [{{Desc}} + 60], 1
            mov word [{{Desc}} + 62], 4
            mov rax, {{data}}
            mov [{{Desc}} + 64], rax
            mov dword [{{Desc}} + 72], 4096
            mov word [{{Desc}} + 76], 1
            mov word [{{Desc}} + 78], 5
            mov rax, {{Status}} + 1
            mov [{{Desc}} + 80], rax
            mov dword [{{Desc}} + 88], 1
            mov word [{{Desc}} + 92], 2
            mov byte [{{Status}}], 0xAA
            mov byte [{{Status}} + 1], 0xAA
            mov word [{{Avail}} + 4], 0  ; avail.ring = [0, 3], avail.idx = 2
            mov word [{{Avail}} + 6], 3
            mov word [{{Avail}} + 2], 2
            lea edx, [rbx + 0x40]       ; notify queue 0
            xor eax, eax
            out dx, ax
            hlt
        """;

    [Fact]
    public void DmaOutsideTheGuestIsBlockedAndRecordedAsARemappingFault()
    {
        using var dir = new AtaTempDirectory();
        string path = dir.File("host.img");
        var content = new byte[1 << 20];
        new Random(13).NextBytes(content);
        File.WriteAllBytes(path, content);
        byte[] imageBefore = SHA256.HashData(File.ReadAllBytes(path));

        var other = Guest.CreateWorkload("other", "compute", 1000, 1, style: VirtualizationStyle.HardwareAssisted);
        other.Step(null);
        byte[] otherBefore = SHA256.HashData(other.Machine.Memory.Read(0, (int)other.Machine.Memory.Size));

        var code = VirtPS.Engine.Asm.Assembler.Assemble(Program(Wild), null, Guest.DefaultLoadAddress);
        var g = Guest.Create(new GuestSpec { Name = "wild", Style = VirtualizationStyle.HardwareAssisted, MemoryMB = GuestMB, Image = code.Bytes });
        var disk = g.AddDisk(path, null, IoMode.Passthrough);
        g.Step(100_000);
        Assert.Equal(GuestState.Halted, g.State);

        // Both requests failed in the guest's eyes (VIRTIO_BLK_S_IOERR = 1), neither reached outside.
        Assert.Equal(1, g.Machine.Memory.Read(Status, 1)[0]);
        Assert.Equal(1, g.Machine.Memory.Read(Status + 1, 1)[0]);
        var view = g.IommuView!;
        Assert.True(view.FaultCount >= 2, $"faults: {view.FaultCount}");
        Assert.Contains(view.Faults, f => f.Access == VirtPS.Engine.Memory.AccessKind.Write && f.Iova == Wild
            && f.Reason == DmaFaultReason.WriteNotPermitted);   // 5h: no second-level entry with W there
        Assert.Contains(view.Faults, f => f.Access == VirtPS.Engine.Memory.AccessKind.Read && f.Iova == Wild && f.Reason == DmaFaultReason.ReadNotPermitted);
        Assert.All(view.Faults, f => Assert.Equal(new SourceId(0, 1, 0), f.Source));
        // The domain maps exactly the guest's memory, read from its tables.
        Assert.Equal((ulong)GuestMB << 20, view.Mappings.Aggregate(0UL, (sum, m) => sum + m.Size));
        disk.SyncCounters();
        Assert.True(disk.Counters.IommuFaults >= 2);
        // No register access of the assigned device exited: the VMM cleared its ports' bits in the IO bitmaps, every other
        // port (the console's, PCI configuration) still exits.
        Assert.Equal(0, disk.Counters.Intercepts);
        var vmx = (VirtPS.Engine.Styles.HardwareAssisted)g.Vmm;
        Assert.True(vmx.Controls.HasFlag(VirtPS.Engine.Styles.VmExecutionControls.UseIoBitmaps));
        Assert.DoesNotContain(disk.Transport!.IoBase, vmx.IoBitmap);
        Assert.Contains((ushort)0x3F8, vmx.IoBitmap);
        Assert.Contains((ushort)0xCFC, vmx.IoBitmap);

        g.CloseDevices();
        Assert.Equal(imageBefore, SHA256.HashData(File.ReadAllBytes(path)));
        Assert.Equal(otherBefore, SHA256.HashData(other.Machine.Memory.Read(0, (int)other.Machine.Memory.Size)));
    }

    [Fact]
    public void APassthroughDeviceIsAssignedToOneGuestAtATime()
    {
        using var dir = new AtaTempDirectory();
        string path = dir.File("one.img");
        var a = Guest.CreateWorkload("a", "compute", 10, 1);
        var b = Guest.CreateWorkload("b", "compute", 10, 1);
        a.AddDisk(path, 1, IoMode.Passthrough);
        var e = Assert.Throws<VirtPSException>(() => b.AddDisk(path, null, IoMode.Passthrough));
        Assert.Equal(ErrorIds.DeviceAlreadyAssigned, e.ErrorId);
        Assert.Empty(b.Devices);
        a.CloseDevices();
        b.AddDisk(path, null, IoMode.Passthrough);   // free again once the first guest let it go
        b.CloseDevices();
    }
}
