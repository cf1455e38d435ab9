using System.Runtime.InteropServices;
using VirtPS.Engine.Cpu;

namespace VirtPS.Engine.Kvm;

/// <summary>The exits this VMM serves with the simulator's models, and the interrupts it injects.</summary>
public sealed unsafe partial class KvmVirtualMachine
{
    /// <summary>MSRs the processor keeps itself, as KVM does in the kernel: EFER and the SYSCALL MSRs, the FS, GS and
    /// KernelGS bases, TSC_AUX, and the TSC. Every other MSR the filter denies, so it reaches the VMM.</summary>
    public static IReadOnlyList<uint> KernelMsrs { get; } =
    [
        (uint)Msr.Tsc, (uint)Msr.Efer, (uint)Msr.Star, (uint)Msr.Lstar, (uint)Msr.Cstar, (uint)Msr.Fmask,
        (uint)Msr.FsBase, (uint)Msr.GsBase, (uint)Msr.KernelGsBase, (uint)Msr.TscAux,
    ];

    /// <summary>
    /// KVM_CAP_X86_USER_SPACE_MSR: accesses KVM would refuse (the x2APIC range, with no in-kernel APIC), MSRs it
    /// does not know, and MSRs the filter denies exit to the VMM instead of raising #GP in the guest. The filter
    /// denies by default and allows <see cref="KernelMsrs"/> (KVM_X86_SET_MSR_FILTER copies the bitmaps).
    /// </summary>
    void EnableUserSpaceMsrs()
    {
        var cap = new KvmAbi.EnableCap { Cap = KvmIoctl.CapX86UserSpaceMsr };
        cap.Args[0] = KvmAbi.MsrExitReasonInval | KvmAbi.MsrExitReasonUnknown | KvmAbi.MsrExitReasonFilter;
        if (LibC.Ioctl(_vm, KvmIoctl.EnableCap, (nint)(&cap)) != 0) throw SetupFailed("KVM_ENABLE_CAP(KVM_CAP_X86_USER_SPACE_MSR)");

        var groups = KernelMsrs.Order().GroupBy(m => m & ~0x3Fu).ToList();   // one range (and bitmap byte run) per 64 MSRs
        var bitmaps = (ulong*)NativeMemory.AllocZeroed((nuint)(groups.Count * sizeof(ulong)));
        try
        {
            var filter = new KvmAbi.MsrFilter { Flags = KvmAbi.MsrFilterDefaultDeny };
            var ranges = &filter.Range0;
            for (int k = 0; k < groups.Count; k++)
            {
                uint b = groups[k].Key;
                foreach (var m in groups[k]) bitmaps[k] |= 1UL << (int)(m - b);
                ranges[k] = new KvmAbi.MsrFilterRange { Flags = KvmAbi.MsrFilterRead | KvmAbi.MsrFilterWrite, Base = b, Nmsrs = 64, Bitmap = (nint)(bitmaps + k) };
            }
            if (LibC.Ioctl(_vm, KvmIoctl.X86SetMsrFilter, (nint)(&filter)) != 0) throw SetupFailed("KVM_X86_SET_MSR_FILTER");
        }
        finally { NativeMemory.Free(bitmaps); }
    }

    /// <summary>Installs the simulator's CPUID (less what this KVM cannot give; see <see cref="KvmCpuid"/>).</summary>
    KvmCpuid InstallCpuid(bool pcid)
    {
        const int max = 256;
        var buffer = (byte*)NativeMemory.AllocZeroed((nuint)(KvmAbi.Cpuid2HeaderSize + max * KvmAbi.CpuidEntry2Size));
        try
        {
            *(uint*)buffer = max;
            if (LibC.Ioctl(_kvm, KvmIoctl.GetSupportedCpuid, (nint)buffer) != 0) throw SetupFailed("KVM_GET_SUPPORTED_CPUID");
            var entries = (KvmAbi.CpuidEntry2*)(buffer + KvmAbi.Cpuid2HeaderSize);
            var supported = new List<CpuidLeaf>();
            for (int k = 0; k < *(uint*)buffer; k++)
                if (entries[k].Index == 0) supported.Add(new CpuidLeaf(entries[k].Function, entries[k].Eax, entries[k].Ebx, entries[k].Ecx, entries[k].Edx));
            var table = KvmCpuid.Build(pcid, supported);

            new Span<byte>(buffer, KvmAbi.Cpuid2HeaderSize + max * KvmAbi.CpuidEntry2Size).Clear();
            *(uint*)buffer = (uint)table.Leaves.Count;
            for (int k = 0; k < table.Leaves.Count; k++)
            {
                var l = table.Leaves[k];
                // No KVM_CPUID_FLAG_SIGNIFCANT_INDEX: every subleaf answers alike, as the simulator's leaves ignore ECX.
                entries[k] = new KvmAbi.CpuidEntry2 { Function = l.Function, Eax = l.Eax, Ebx = l.Ebx, Ecx = l.Ecx, Edx = l.Edx };
            }
            if (LibC.Ioctl(_vcpu, KvmIoctl.SetCpuid2, (nint)buffer) != 0) throw SetupFailed("KVM_SET_CPUID2");
            return table;
        }
        finally { NativeMemory.Free(buffer); }
    }

    /// <summary>
    /// Before each entry: the TPR goes to kvm_run.cr8, and the local APIC model's highest deliverable interrupt is
    /// injected if the guest can take it now (kvm_run says so after the last exit), or an exit is requested for
    /// when it can (request_interrupt_window). As in the simulator, nothing is delivered before the guest has an IDT.
    /// </summary>
    void PrepareEntry()
    {
        var apic = Machine.Cpu.Apic;
        _run->Cr8 = apic.Tpr >> 4;
        _run->RequestInterruptWindow = 0;
        if (apic.Deliverable() is not int vector || !IdtLoaded()) return;
        if (_run->ReadyForInterruptInjection != 0 && _run->IfFlag != 0)
        {
            uint irq = (uint)vector;
            if (LibC.Ioctl(_vcpu, KvmIoctl.Interrupt, (nint)(&irq)) == 0)
            {
                apic.Accept(vector);
                Exits.InterruptsInjected++;
                Machine.Cpu.Ledger.Record(Trace.GuestEvent.Interrupt);
                // KVM_INTERRUPT queues one; a second waits for the window after it.
                if (apic.Deliverable() != null) _run->RequestInterruptWindow = 1;
                return;
            }
        }
        _run->RequestInterruptWindow = 1;
    }

    /// <summary>After each exit: a MOV to CR8 in the guest changed the TPR, which the APIC model owns.</summary>
    void SyncTpr()
    {
        var apic = Machine.Cpu.Apic;
        if (_run->Cr8 != apic.Tpr >> 4) apic.Tpr = (uint)(_run->Cr8 << 4);
    }

    bool IdtLoaded()
    {
        if (_idtLoaded) return true;
        KvmAbi.Sregs s;
        if (LibC.Ioctl(_vcpu, KvmIoctl.GetSregs, (nint)(&s)) == 0) _idtLoaded = s.Idt.Limit != 0 || s.Idt.Base != 0;
        return _idtLoaded;
    }

    /// <summary>KVM_EXIT_IO: the access goes to the machine's port bus, one unit at a time (a string instruction
    /// may bring several), the data in kvm_run's page at data_offset.</summary>
    void ServeIo()
    {
        ushort port = _run->IoPort;
        int size = _run->IoSize;
        byte* data = (byte*)_run + _run->IoDataOffset;
        var ports = Machine.Cpu.Ports;
        Exits.RecordIo(port);
        for (uint k = 0; k < _run->IoCount; k++, data += size)
        {
            if (_run->IoDirection == KvmAbi.IoDirectionOut)
            {
                ulong v = size switch { 1 => *data, 2 => *(ushort*)data, _ => *(uint*)data };
                ports.Out(port, size, v);
            }
            else
            {
                ulong v = ports.In(port, size);
                switch (size) { case 1: *data = (byte)v; break; case 2: *(ushort*)data = (ushort)v; break; default: *(uint*)data = (uint)v; break; }
            }
        }
    }

    /// <summary>KVM_EXIT_X86_RDMSR/WRMSR: the simulator's MSR code answers (the local APIC, the PMU, IA32_APIC_BASE),
    /// and its #GP becomes kvm_run.msr.error, which KVM turns into #GP in the guest.</summary>
    void ServeMsr(bool write)
    {
        uint index = _run->MsrIndex;
        Exits.RecordMsr(index);
        var p = Machine.Cpu;
        try
        {
            // The TSC argument drives the APIC timer model, which counts retired instructions KVM does not report.
            if (write) p.WriteMsr(index, _run->MsrData, 0);
            else _run->MsrData = p.ReadMsr(index, 0);
            _run->MsrError = 0;
        }
        catch (GuestFault)
        {
            _run->MsrError = 1;
        }
    }
}
