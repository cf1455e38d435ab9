using System.Text;

namespace VirtPS.Engine.Kvm;

/// <summary>The host kernel's own counts for the vCPU: KVM's binary statistics (KVM_GET_STATS_FD).</summary>
public sealed unsafe partial class KvmVirtualMachine
{
    int _statsFd = -1;

    /// <summary>
    /// The vCPU's statistics as the host kernel keeps them (api.rst, KVM_GET_STATS_FD): every exit it took,
    /// the ones it handled itself included (<c>exits</c>, <c>io_exits</c>, <c>halt_exits</c>, <c>irq_window_exits</c>,
    /// <c>insn_emulation</c>, <c>pf_taken</c>, ...), by name; single-valued statistics only. Empty where the kernel
    /// does not offer them (KVM_CAP_BINARY_STATS_FD).
    /// </summary>
    public IReadOnlyDictionary<string, long> KernelStatistics()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var result = new SortedDictionary<string, long>(StringComparer.Ordinal);
        if (_statsFd < 0)
        {
            if (LibC.Ioctl(_kvm, KvmIoctl.CheckExtension, KvmIoctl.CapBinaryStatsFd) <= 0) return result;
            _statsFd = LibC.Ioctl(_vcpu, KvmIoctl.GetStatsFd, 0);
            if (_statsFd < 0) return result;
        }
        // struct kvm_stats_header: flags, name_size, num_desc, id_offset, desc_offset, data_offset (u32 each)
        var header = stackalloc uint[6];
        if (LibC.Pread(_statsFd, (byte*)header, KvmAbi.StatsHeaderSize, 0) != KvmAbi.StatsHeaderSize) return result;
        uint nameSize = header[1], count = header[2], descOffset = header[4], dataOffset = header[5];
        int descSize = KvmAbi.StatsDescHeaderSize + (int)nameSize;
        var descs = new byte[count * descSize];
        fixed (byte* d = descs)
            if (LibC.Pread(_statsFd, d, (nuint)descs.Length, descOffset) != descs.Length) return result;
        for (int k = 0; k < count; k++)
        {
            // struct kvm_stats_desc: flags u32, exponent s16, size u16, offset u32, bucket_size u32, name[name_size]
            var desc = descs.AsSpan(k * descSize, descSize);
            ushort size = BitConverter.ToUInt16(desc[6..]);
            uint offset = BitConverter.ToUInt32(desc[8..]);
            if (size != 1) continue;
            var name = desc[KvmAbi.StatsDescHeaderSize..];
            int end = name.IndexOf((byte)0);
            ulong value;
            if (LibC.Pread(_statsFd, (byte*)&value, sizeof(ulong), dataOffset + offset) != sizeof(ulong)) continue;
            result[Encoding.ASCII.GetString(end < 0 ? name : name[..end])] = (long)value;
        }
        return result;
    }
}
