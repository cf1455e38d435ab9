using System.Buffers.Binary;
using VirtPS.Engine.Memory;

namespace VirtPS.Tests.Io;

/// <summary>
/// A virtio driver for tests, written from virtio 1.2 §2.7 (split virtqueues) and §5.2.6 (virtio-blk requests) and not
/// from the device code: it lays the queue out in a <see cref="PhysicalMemory"/> at chosen addresses, writes descriptor
/// chains (direct and indirect), offers them in the available ring, publishes avail.idx and reads the used ring back.
/// </summary>
sealed class VirtioTestDriver
{
    // §2.7.5 struct virtq_desc flags.
    public const ushort Next = 1, Write = 2, Indirect = 4;
    // §5.2.6 request types.
    public const uint TypeIn = 0, TypeOut = 1, TypeFlush = 4, TypeGetId = 8;

    public readonly PhysicalMemory Mem;
    public readonly int N;
    public readonly ulong Desc, Avail, Used;
    public readonly bool EventIdx;
    ushort _nextDesc, _availIdx, _lastUsed;
    ulong _heap;

    public VirtioTestDriver(PhysicalMemory mem, int n, ulong desc, ulong avail, ulong used, ulong heap, bool eventIdx)
    {
        Mem = mem; N = n; Desc = desc; Avail = avail; Used = used; _heap = heap; EventIdx = eventIdx;
        Mem.Write(desc, new byte[16 * n]);
        Mem.Write(avail, new byte[6 + 2 * n]);   // flags, idx, ring[N], used_event
        Mem.Write(used, new byte[6 + 8 * n]);    // flags, idx, ring[N] of {id, len}, avail_event
    }

    public ushort AvailIdx => _availIdx;

    public ulong Alloc(int length, int align = 16)
    {
        _heap = (_heap + (ulong)align - 1) & ~((ulong)align - 1);
        ulong a = _heap;
        _heap += (ulong)Math.Max(length, 1);
        return a;
    }

    public void U16(ulong a, ushort v) { var b = new byte[2]; BinaryPrimitives.WriteUInt16LittleEndian(b, v); Mem.Write(a, b); }
    public void U32(ulong a, uint v) { var b = new byte[4]; BinaryPrimitives.WriteUInt32LittleEndian(b, v); Mem.Write(a, b); }
    public void U64(ulong a, ulong v) { var b = new byte[8]; BinaryPrimitives.WriteUInt64LittleEndian(b, v); Mem.Write(a, b); }
    public ushort R16(ulong a) => BinaryPrimitives.ReadUInt16LittleEndian(Mem.Read(a, 2));
    public uint R32(ulong a) => BinaryPrimitives.ReadUInt32LittleEndian(Mem.Read(a, 4));

    /// <summary>Writes entry <paramref name="index"/> of the descriptor table at <paramref name="table"/>.</summary>
    public void WriteDesc(ulong table, int index, ulong addr, uint len, ushort flags, ushort next)
    {
        ulong d = table + 16UL * (ulong)index;
        U64(d, addr); U32(d + 8, len); U16(d + 12, flags); U16(d + 14, next);
    }

    readonly Dictionary<ushort, int> _inFlight = [];   // head -> descriptors it holds in the table
    int _free => N - _inFlight.Values.Sum();

    ushort TakeDesc()
    {
        if (_free <= 0) throw new InvalidOperationException("test driver: descriptor table full (a real driver waits for used buffers)");
        ushort i = (ushort)(_nextDesc % N); _nextDesc++; return i;
    }

    void Hold(ushort head, int count) => _inFlight[head] = count;

    /// <summary>Writes a direct chain (readable buffers first, §2.7.4.2) into free descriptors and offers its head.</summary>
    public ushort AddChain(params (ulong Addr, uint Len, bool DeviceWrites)[] buffers)
    {
        var idx = buffers.Select(_ => TakeDesc()).ToArray();
        for (int k = 0; k < buffers.Length; k++)
            WriteDesc(Desc, idx[k], buffers[k].Addr, buffers[k].Len,
                (ushort)((buffers[k].DeviceWrites ? Write : 0) | (k + 1 < buffers.Length ? Next : 0)), k + 1 < buffers.Length ? idx[k + 1] : (ushort)0);
        Hold(idx[0], idx.Length);
        Offer(idx[0]);
        return idx[0];
    }

    /// <summary>Writes an indirect table at <paramref name="table"/> and one descriptor pointing at it (§2.7.5.3); offers it.</summary>
    public ushort AddIndirect(ulong table, params (ulong Addr, uint Len, bool DeviceWrites)[] buffers)
    {
        for (int k = 0; k < buffers.Length; k++)
            WriteDesc(table, k, buffers[k].Addr, buffers[k].Len,
                (ushort)((buffers[k].DeviceWrites ? Write : 0) | (k + 1 < buffers.Length ? Next : 0)), (ushort)(k + 1 < buffers.Length ? k + 1 : 0));
        ushort head = TakeDesc();
        WriteDesc(Desc, head, table, (uint)(16 * buffers.Length), Indirect, 0);
        Hold(head, 1);
        Offer(head);
        return head;
    }

    /// <summary>Puts a head in the next available-ring slot (§2.7.13.2); the device sees it after <see cref="Publish"/>.</summary>
    public void Offer(ushort head) { U16(Avail + 4 + 2UL * (ulong)(_availIdx % N), head); _availIdx++; }

    /// <summary>Writes avail.idx (§2.7.13.3).</summary>
    public void Publish() => U16(Avail + 2, _availIdx);

    public void SetAvailFlags(ushort flags) => U16(Avail, flags);
    public void SetUsedEvent(ushort v) => U16(Avail + 4 + 2UL * (ulong)N, v);
    public ushort AvailEvent => R16(Used + 4 + 8UL * (ulong)N);
    public ushort UsedFlags => R16(Used);
    public ushort UsedIdx => R16(Used + 2);

    /// <summary>The used elements the device added since the last call (§2.7.14).</summary>
    public List<(uint Id, uint Len)> TakeUsed()
    {
        var list = new List<(uint, uint)>();
        for (ushort end = UsedIdx; _lastUsed != end; _lastUsed++)
        {
            ulong e = Used + 4 + 8UL * (ulong)(_lastUsed % N);
            list.Add((R32(e), R32(e + 4)));
            _inFlight.Remove((ushort)R32(e));   // §2.7.14: the chain's descriptors are free again
        }
        return list;
    }

    /// <summary>The driver's kick decision (§2.7.10.1): with EVENT_IDX, vring_need_event(avail_event, new, old) written out
    /// here from the spec's rule ("notify when idx passes avail_event"); without, unless used.flags has NO_NOTIFY.</summary>
    public bool ShouldKick(ushort oldIdx) => EventIdx
        ? (ushort)(_availIdx - AvailEvent - 1) < (ushort)(_availIdx - oldIdx)
        : (UsedFlags & 1) == 0;

    /// <summary>A virtio-blk request laid out by the driver (§5.2.6): header, data, status byte (pre-set to 0xFF).</summary>
    public sealed record BlkRequest(ushort Head, ulong Header, ulong Data, int DataLength, ulong Status);

    /// <summary>Adds a virtio-blk request with its data in <paramref name="segments"/> descriptors, direct or indirect.</summary>
    public BlkRequest AddBlk(uint type, ulong sector, int dataLength, byte[]? outData = null, int segments = 1, ulong? indirectTable = null, ulong? dataAt = null, ulong? statusAt = null)
    {
        ulong hdr = Alloc(16);
        U32(hdr, type); U32(hdr + 4, 0); U64(hdr + 8, sector);
        ulong data = dataAt ?? Alloc(dataLength);
        if (outData != null && dataAt == null) Mem.Write(data, outData);
        ulong status = statusAt ?? Alloc(1, 1);
        if (statusAt == null) Mem.Write(status, [0xFF]);
        bool deviceWrites = type != TypeOut;
        var bufs = new List<(ulong, uint, bool)> { (hdr, 16, false) };
        if (dataLength > 0)
        {
            int per = dataLength / segments;
            for (int s = 0; s < segments; s++)
            {
                int len = s == segments - 1 ? dataLength - per * (segments - 1) : per;
                bufs.Add((data + (ulong)(per * s), (uint)len, deviceWrites));
            }
        }
        bufs.Add((status, 1, true));
        ushort head = indirectTable is { } t ? AddIndirect(t, [.. bufs]) : AddChain([.. bufs]);
        return new BlkRequest(head, hdr, data, dataLength, status);
    }

    public byte StatusOf(BlkRequest r) => Mem.Read(r.Status, 1)[0];
}
