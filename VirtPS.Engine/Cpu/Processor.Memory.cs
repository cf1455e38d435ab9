using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using VirtPS.Engine.Memory;

namespace VirtPS.Engine.Cpu;

/// <summary>What a linear-address access is for; decides the #PF error code bits (Intel SDM Vol. 3A, 4.7).</summary>
internal enum Access : byte { Read, Write, Execute }

/// <summary>A guest exception in flight: thrown by the instruction that raises it, caught by the run loop.</summary>
internal sealed class GuestFault(ExceptionVector vector, ulong? errorCode = null, ulong? address = null, string detail = "",
    bool software = false) : Exception(detail)
{
    public ExceptionVector Vector { get; } = vector;
    /// <summary>Raised by INT n, INT3 or INTO: a trap (the instruction retires, the handler returns after it)
    /// that is subject to the gate's DPL check.</summary>
    public bool Software { get; } = software;
    public ulong? ErrorCode { get; } = errorCode;
    public ulong? Address { get; } = address;
    public string Detail { get; } = detail;
}

public sealed partial class Processor
{
    internal readonly PhysicalMemory Mem;

    /// <summary>
    /// Host-side page caches, one for reads and one for writes: direct-mapped, 256 entries, each mapping a
    /// linear page to the host frame behind it. They are the interpreter's fast path, not the guest's TLB
    /// (which the memory-virtualization work models and counts); the write cache never holds a page that
    /// has decoded code on it, so every write to code goes the slow way and invalidates the decodes.
    /// </summary>
    struct HostPage { public ulong Tag; public byte[] Frame; }
    const int CacheSize = 256;
    readonly HostPage[] _rd = new HostPage[CacheSize];
    readonly HostPage[] _wr = new HostPage[CacheSize];

    /// <summary>Called before a write lands on a frame that holds decoded code (self-modifying code).</summary>
    internal Action<ulong>? CodeWritten;
    internal Func<ulong, bool>? IsCodeFrame;

    void InitMemory() { FlushHostPages(); }

    internal void FlushHostPages()
    {
        for (int i = 0; i < CacheSize; i++) { _rd[i].Tag = ulong.MaxValue; _wr[i].Tag = ulong.MaxValue; }
    }

    /// <summary>Drops write-cache entries for a frame that just got decoded code on it.</summary>
    internal void ForgetWritable(ulong pfn)
    {
        // Linear = physical on this machine, so the frame number is also the page tag.
        ref var e = ref _wr[pfn & (CacheSize - 1)];
        if (e.Tag == pfn) e.Tag = ulong.MaxValue;
    }

    /// <summary>
    /// Translates a linear address to guest-physical. Guests start with an identity map of their whole
    /// memory (as Firecracker's loader sets up); anything past it is not present and faults with #PF.
    /// This is the hook where the paging walk and the TLB sit once the kernel enables its own tables.
    /// </summary>
    internal ulong Translate(ulong la, Access access)
    {
        if (!IsCanonical(la))
            throw new GuestFault(ExceptionVector.GP, 0, la, $"non-canonical address 0x{la:X}");
        if (la >= Mem.Size)
        {
            ulong ec = (access == Access.Write ? 2UL : 0) | (Cpl == 3 ? 4UL : 0) | (access == Access.Execute ? 16UL : 0);
            throw new GuestFault(ExceptionVector.PF, ec, la, $"address 0x{la:X} is not mapped");
        }
        return la;
    }

    static bool IsCanonical(ulong la) => (ulong)(((long)la << 16) >> 16) == la;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static ref byte At(byte[] frame, ulong off) =>
        ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(frame), (nint)off);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal byte[]? ReadPage(ulong la)
    {
        ref var e = ref _rd[(la >> 12) & (CacheSize - 1)];
        return e.Tag == la >> 12 ? e.Frame : null;
    }

    byte[] FillRead(ulong la)
    {
        ulong pa = Translate(la, Access.Read);
        var frame = Mem.Frame(pa >> 12);
        ref var e = ref _rd[(la >> 12) & (CacheSize - 1)];
        e.Tag = la >> 12; e.Frame = frame;
        return frame;
    }

    byte[] FillWrite(ulong la)
    {
        ulong pa = Translate(la, Access.Write);
        ulong pfn = pa >> 12;
        if (IsCodeFrame != null && IsCodeFrame(pfn))
        {
            CodeWritten?.Invoke(pfn);   // invalidates decodes; the frame is writable-cacheable from now on
        }
        var frame = Mem.Frame(pfn);
        ref var e = ref _wr[(la >> 12) & (CacheSize - 1)];
        e.Tag = la >> 12; e.Frame = frame;
        return frame;
    }

    // ---- reads ----
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal ulong Read64(ulong la)
    {
        ref var e = ref _rd[(la >> 12) & (CacheSize - 1)];
        ulong off = la & 0xFFF;
        if (e.Tag == la >> 12 && off <= 0xFF8) return Unsafe.ReadUnaligned<ulong>(ref At(e.Frame, off));
        return ReadSlow(la, 8);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal uint Read32(ulong la)
    {
        ref var e = ref _rd[(la >> 12) & (CacheSize - 1)];
        ulong off = la & 0xFFF;
        if (e.Tag == la >> 12 && off <= 0xFFC) return Unsafe.ReadUnaligned<uint>(ref At(e.Frame, off));
        return (uint)ReadSlow(la, 4);
    }

    internal ushort Read16(ulong la)
    {
        ref var e = ref _rd[(la >> 12) & (CacheSize - 1)];
        ulong off = la & 0xFFF;
        if (e.Tag == la >> 12 && off <= 0xFFE) return Unsafe.ReadUnaligned<ushort>(ref At(e.Frame, off));
        return (ushort)ReadSlow(la, 2);
    }

    internal byte Read8(ulong la)
    {
        ref var e = ref _rd[(la >> 12) & (CacheSize - 1)];
        if (e.Tag == la >> 12) return At(e.Frame, la & 0xFFF);
        return (byte)ReadSlow(la, 1);
    }

    /// <summary>Reads 1, 2, 4 or 8 bytes, zero-extended.</summary>
    internal ulong Read(ulong la, int size) => size switch
    {
        8 => Read64(la),
        4 => Read32(la),
        2 => Read16(la),
        _ => Read8(la),
    };

    /// <summary>The slow path: fills the cache, and splits accesses that cross a page boundary.</summary>
    ulong ReadSlow(ulong la, int size)
    {
        ulong off = la & 0xFFF;
        if (off + (ulong)size <= 0x1000)
        {
            var f = FillRead(la);
            return size switch
            {
                8 => Unsafe.ReadUnaligned<ulong>(ref At(f, off)),
                4 => Unsafe.ReadUnaligned<uint>(ref At(f, off)),
                2 => Unsafe.ReadUnaligned<ushort>(ref At(f, off)),
                _ => At(f, off),
            };
        }
        // Crossing into the next page: both pages must translate before any byte is used.
        ulong hi = la + (ulong)size - 1;
        var f0 = ReadPage(la) ?? FillRead(la);
        var f1 = ReadPage(hi) ?? FillRead(hi);
        ulong v = 0;
        for (int k = 0; k < size; k++)
        {
            ulong a = la + (ulong)k;
            byte b = (a & ~0xFFFUL) == (la & ~0xFFFUL) ? f0[a & 0xFFF] : f1[a & 0xFFF];
            v |= (ulong)b << (8 * k);
        }
        return v;
    }

    // ---- writes ----
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void Write64(ulong la, ulong v)
    {
        ref var e = ref _wr[(la >> 12) & (CacheSize - 1)];
        ulong off = la & 0xFFF;
        if (e.Tag == la >> 12 && off <= 0xFF8) { Unsafe.WriteUnaligned(ref At(e.Frame, off), v); return; }
        WriteSlow(la, 8, v);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void Write32(ulong la, uint v)
    {
        ref var e = ref _wr[(la >> 12) & (CacheSize - 1)];
        ulong off = la & 0xFFF;
        if (e.Tag == la >> 12 && off <= 0xFFC) { Unsafe.WriteUnaligned(ref At(e.Frame, off), v); return; }
        WriteSlow(la, 4, v);
    }

    internal void Write16(ulong la, ushort v)
    {
        ref var e = ref _wr[(la >> 12) & (CacheSize - 1)];
        ulong off = la & 0xFFF;
        if (e.Tag == la >> 12 && off <= 0xFFE) { Unsafe.WriteUnaligned(ref At(e.Frame, off), v); return; }
        WriteSlow(la, 2, v);
    }

    internal void Write8(ulong la, byte v)
    {
        ref var e = ref _wr[(la >> 12) & (CacheSize - 1)];
        if (e.Tag == la >> 12) { At(e.Frame, la & 0xFFF) = v; return; }
        WriteSlow(la, 1, v);
    }

    internal void Write(ulong la, int size, ulong v)
    {
        switch (size)
        {
            case 8: Write64(la, v); break;
            case 4: Write32(la, (uint)v); break;
            case 2: Write16(la, (ushort)v); break;
            default: Write8(la, (byte)v); break;
        }
    }

    /// <summary>Set when a write invalidated decodes the running block depends on; the run loop re-decodes.</summary>
    internal bool CodeChanged;

    void WriteSlow(ulong la, int size, ulong v)
    {
        ulong off = la & 0xFFF;
        if (off + (ulong)size <= 0x1000)
        {
            var f = FillWrite(la);
            switch (size)
            {
                case 8: Unsafe.WriteUnaligned(ref At(f, off), v); break;
                case 4: Unsafe.WriteUnaligned(ref At(f, off), (uint)v); break;
                case 2: Unsafe.WriteUnaligned(ref At(f, off), (ushort)v); break;
                default: At(f, off) = (byte)v; break;
            }
            return;
        }
        // Both pages must be writable before either is changed, so a fault leaves memory untouched.
        ulong hi = la + (ulong)size - 1;
        var f0 = FillWrite(la);
        var f1 = FillWrite(hi);
        for (int k = 0; k < size; k++)
        {
            ulong a = la + (ulong)k;
            var f = (a & ~0xFFFUL) == (la & ~0xFFFUL) ? f0 : f1;
            f[a & 0xFFF] = (byte)(v >> (8 * k));
        }
    }

    /// <summary>Fetches instruction bytes for the decoder; returns how many could be read before a fault.</summary>
    internal int Fetch(ulong la, Span<byte> into, out GuestFault? fault)
    {
        fault = null;
        for (int k = 0; k < into.Length; k++)
        {
            ulong a = la + (ulong)k;
            try
            {
                ulong pa = Translate(a, Access.Execute);
                into[k] = Mem.Frame(pa >> 12)[pa & 0xFFF];
            }
            catch (GuestFault f) { fault = f; return k; }
        }
        return into.Length;
    }
}
