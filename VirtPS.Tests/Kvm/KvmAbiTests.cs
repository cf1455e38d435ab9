using System.Runtime.InteropServices;
using VirtPS.Engine;
using VirtPS.Engine.Cpu;
using VirtPS.Engine.Guests;
using VirtPS.Engine.Kvm;
using Xunit;

namespace VirtPS.Tests.Kvm;

/// <summary>The KVM ABI as the backend lays it out, and the errors it reports: none of these needs KVM.</summary>
public class KvmAbiTests
{
    /// <summary>Each request number as include/uapi/linux/kvm.h defines it (printed by a C program against the headers).</summary>
    [Fact]
    public void IoctlNumbersAreTheHeadersValues()
    {
        Assert.Equal(0xAE00UL, KvmIoctl.GetApiVersion);
        Assert.Equal(0xAE01UL, KvmIoctl.CreateVm);
        Assert.Equal(0xAE03UL, KvmIoctl.CheckExtension);
        Assert.Equal(0xAE04UL, KvmIoctl.GetVcpuMmapSize);
        Assert.Equal(0xC008AE05UL, KvmIoctl.GetSupportedCpuid);
        Assert.Equal(0xAE41UL, KvmIoctl.CreateVcpu);
        Assert.Equal(0x4020AE46UL, KvmIoctl.SetUserMemoryRegion);
        Assert.Equal(0xAE80UL, KvmIoctl.Run);
        Assert.Equal(0x8090AE81UL, KvmIoctl.GetRegs);
        Assert.Equal(0x4090AE82UL, KvmIoctl.SetRegs);
        Assert.Equal(0x8138AE83UL, KvmIoctl.GetSregs);
        Assert.Equal(0x4138AE84UL, KvmIoctl.SetSregs);
        Assert.Equal(0x4004AE86UL, KvmIoctl.Interrupt);
        Assert.Equal(0xC008AE88UL, KvmIoctl.GetMsrs);
        Assert.Equal(0x4008AE89UL, KvmIoctl.SetMsrs);
        Assert.Equal(0x4004AE8BUL, KvmIoctl.SetSignalMask);
        Assert.Equal(0x4008AE90UL, KvmIoctl.SetCpuid2);
        Assert.Equal(0x4068AEA3UL, KvmIoctl.EnableCap);
        Assert.Equal(0x4188AEC6UL, KvmIoctl.X86SetMsrFilter);
        Assert.Equal(0xAECEUL, KvmIoctl.GetStatsFd);
    }

    [Fact]
    public unsafe void StructLayoutsAreTheHeaders()
    {
        Assert.Equal(KvmAbi.RegsSize, sizeof(KvmAbi.Regs));
        Assert.Equal(KvmAbi.SegmentSize, sizeof(KvmAbi.Segment));
        Assert.Equal(KvmAbi.DtableSize, sizeof(KvmAbi.Dtable));
        Assert.Equal(KvmAbi.SregsSize, sizeof(KvmAbi.Sregs));
        Assert.Equal(224, (int)Marshal.OffsetOf<KvmAbi.Sregs>(nameof(KvmAbi.Sregs.Cr0)));
        Assert.Equal(264, (int)Marshal.OffsetOf<KvmAbi.Sregs>(nameof(KvmAbi.Sregs.Efer)));
        Assert.Equal(KvmAbi.UserspaceMemoryRegionSize, sizeof(KvmAbi.UserspaceMemoryRegion));
        Assert.Equal(KvmAbi.CpuidEntry2Size, sizeof(KvmAbi.CpuidEntry2));
        Assert.Equal(KvmAbi.MsrEntrySize, sizeof(KvmAbi.MsrEntry));
        Assert.Equal(KvmAbi.MsrFilterRangeSize, sizeof(KvmAbi.MsrFilterRange));
        Assert.Equal(KvmAbi.MsrFilterSize, sizeof(KvmAbi.MsrFilter));
        Assert.Equal(KvmAbi.EnableCapSize, sizeof(KvmAbi.EnableCap));
        // kvm_run: offsetof() of each field this backend reads or writes
        Assert.Equal(8, (int)Marshal.OffsetOf<KvmAbi.Run>(nameof(KvmAbi.Run.ExitReason)));
        Assert.Equal(12, (int)Marshal.OffsetOf<KvmAbi.Run>(nameof(KvmAbi.Run.ReadyForInterruptInjection)));
        Assert.Equal(13, (int)Marshal.OffsetOf<KvmAbi.Run>(nameof(KvmAbi.Run.IfFlag)));
        Assert.Equal(16, (int)Marshal.OffsetOf<KvmAbi.Run>(nameof(KvmAbi.Run.Cr8)));
        Assert.Equal(32, (int)Marshal.OffsetOf<KvmAbi.Run>(nameof(KvmAbi.Run.IoDirection)));
        Assert.Equal(40, (int)Marshal.OffsetOf<KvmAbi.Run>(nameof(KvmAbi.Run.MsrReason)));
        Assert.Equal(44, (int)Marshal.OffsetOf<KvmAbi.Run>(nameof(KvmAbi.Run.MsrIndex)));
        Assert.Equal(48, (int)Marshal.OffsetOf<KvmAbi.Run>(nameof(KvmAbi.Run.MsrData)));
        Assert.Equal(36, (int)Marshal.OffsetOf<KvmAbi.Run>(nameof(KvmAbi.Run.InternalNdata)));
    }

    static Guest BareGuest(VirtualizationStyle style = VirtualizationStyle.HardwareAssisted) => Guest.Create("g", style, 16, [0xF4]);

    [Fact]
    public void AMissingDeviceIsKvmUnavailable_WithTheReason()
    {
        const string path = "/nonexistent/kvm";
        var probe = KvmBackend.Probe(path);
        Assert.False(probe.Available);
        Assert.Contains(path, probe.Reason);
        Assert.Contains("does not exist", probe.Reason);
        var e = Assert.Throws<VirtPSException>(() => BareGuest().CreateKvm(path));
        Assert.Equal(KvmBackend.KvmUnavailableErrorId, e.ErrorId);
        Assert.Equal(ErrorKind.InvalidOperation, e.Kind);
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void ADeviceThatIsNotKvmIsKvmUnavailable()
    {
        var e = Assert.Throws<VirtPSException>(() => KvmVirtualMachine.Create(new Machine(4 << 20), "/dev/null"));
        Assert.Equal(KvmBackend.KvmUnavailableErrorId, e.ErrorId);
        Assert.Contains("not a KVM device", e.Message);
    }

    [Theory]
    [InlineData(VirtualizationStyle.Emulation)]
    [InlineData(VirtualizationStyle.TrapAndEmulate)]
    [InlineData(VirtualizationStyle.BinaryTranslation)]
    public void AStyleKvmCannotRunIsBackendUnsupportedStyle_BeforeTheDeviceIsTouched(VirtualizationStyle style)
    {
        // the style is refused first: even with no KVM at all the answer is about the style
        var e = Assert.Throws<VirtPSException>(() => BareGuest(style).CreateKvm("/nonexistent/kvm"));
        Assert.Equal(KvmBackend.BackendUnsupportedStyleErrorId, e.ErrorId);
        Assert.Equal(ErrorKind.InvalidArgument, e.Kind);
        Assert.Contains(style.ToString(), e.Message);
    }

    [Fact]
    public void AParavirtualKernelIsBackendUnsupportedStyle()
    {
        var g = Guest.CreateWorkload("pv", "syscall", iterations: 10, style: VirtualizationStyle.Paravirtual);
        var e = Assert.Throws<VirtPSException>(() => g.CreateKvm("/nonexistent/kvm"));
        Assert.Equal(KvmBackend.BackendUnsupportedStyleErrorId, e.ErrorId);
    }

    [Fact]
    public void NativeAndHardwareAssistedPassTheStyleCheck()
    {
        foreach (var s in KvmBackend.SupportedStyles) KvmBackend.CheckStyle(s);
        Assert.Equal([VirtualizationStyle.Native, VirtualizationStyle.HardwareAssisted], KvmBackend.SupportedStyles);
    }

    [Fact]
    public void TheCpuidTableIsTheSimulatorsLessWhatKvmCannotEnforce()
    {
        // A KVM that supports everything: the simulator's leaves exactly, leaf 0 to 0AH and 80000000H to 80000008H.
        var all = new List<CpuidLeaf> { new(1, 0, 0, ~0u, ~0u), new(0x8000_0001, 0, 0, ~0u, ~0u) };
        var full = KvmCpuid.Build(pcid: true, all);
        Assert.Equal("VirtPSVirtPS", full.Vendor);
        Assert.Empty(full.Withheld);
        Assert.Equal(11 + 9, full.Leaves.Count);
        Assert.True(full.Pcid);
        foreach (var l in full.Leaves) Assert.Equal(SimulatorCpuid(l.Function), (l.Eax, l.Ebx, l.Ecx, l.Edx));
        // One without PCID or 1-GiB pages: those are withheld, with why; POPCNT (not enforced) stays.
        var some = new List<CpuidLeaf> { new(1, 0, 0, ~(1u << 17), ~0u), new(0x8000_0001, 0, 0, ~0u, ~(1u << 26)) };
        var less = KvmCpuid.Build(pcid: true, some);
        Assert.False(less.Pcid);
        Assert.Equal(["PCID", "Page1GB"], less.Withheld.Select(w => w.Name));
        Assert.Contains("CR4.PCIDE", less.Withheld[0].Reason);
        Assert.NotEqual(0u, less.Leaf(1).Ecx & (1u << 23));
        Assert.Equal(full.Leaf(0xA), less.Leaf(0xA));   // the PMU leaf describes VirtPS's own PMU model
    }

    static (uint, uint, uint, uint) SimulatorCpuid(uint leaf)
    {
        var code = new byte[] { 0x0F, 0xA2, 0xF4 };   // cpuid; hlt
        var mm = new Machine(4 << 20);
        mm.Memory.Write(0x100000, code);
        mm.Cpu.Rip = 0x100000;
        mm.Cpu.SetGpr(Gpr.Rax, leaf);
        mm.Run(10);
        return ((uint)mm.Cpu.GetGpr(Gpr.Rax), (uint)mm.Cpu.GetGpr(Gpr.Rbx), (uint)mm.Cpu.GetGpr(Gpr.Rcx), (uint)mm.Cpu.GetGpr(Gpr.Rdx));
    }
}
