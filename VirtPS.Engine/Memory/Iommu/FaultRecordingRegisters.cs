namespace VirtPS.Engine.Memory.Iommu;

/// <summary>
/// Primary fault logging (VT-d §7.2.1) into the fault recording registers (FRCD_REG, §11.4.7.6) and the fault status
/// register (FSTS_REG, §11.4.7.1). Hardware keeps an internal index of the record the next fault goes to, wrapping from
/// N − 1 to 0. On a fault: if PFO (primary fault overflow) is set, the fault is not recorded; else if the record at the
/// internal index still holds a fault (its F bit set), PFO is set and the fault is not recorded; else the fault is
/// written there, F set, and — if no fault was pending (PPF clear) — FRI is set to that index; the index moves on.
/// PPF is the OR of every record's F bit. Software reads records in FIFO order from FRI, clears each F bit (write 1 to
/// clear) and then PFO, after which recording resumes at the internal index. This unit does not compress faults from
/// the same requester (the optional collapsing the spec allows).
/// </summary>
public sealed class FaultRecordingRegisters
{
    /// <summary>FSTS_REG bits: primary fault overflow (bit 0), primary pending fault (bit 1); FRI is in bits 15:8.</summary>
    public const uint Pfo = 1, Ppf = 2;
    /// <summary>FRCD_REG upper-half bits: F (bit 127), T (bit 126: 0 write, 1 read); FR is bits 103:96, SID bits 79:64.</summary>
    public const ulong FaultBit = 1UL << 63, TypeRead = 1UL << 62;

    readonly DmaRemappingFault?[] _records;
    int _index;

    public FaultRecordingRegisters(int count = 8)
    {
        if (count is < 1 or > 256) throw new ArgumentOutOfRangeException(nameof(count), "A unit has 1 to 256 fault recording registers (NFR + 1).");
        _records = new DmaRemappingFault?[count];
    }

    /// <summary>Number of fault recording registers (the capability register's NFR + 1).</summary>
    public int Count => _records.Length;
    /// <summary>The fault record index (FSTS_REG.FRI): the first record software should read.</summary>
    public int FaultRecordIndex { get; private set; }
    /// <summary>The hardware's internal index: the record the next fault goes to.</summary>
    public int NextRecord => _index;
    /// <summary>Primary fault overflow (FSTS_REG.PFO): a fault was lost because its record was still full.</summary>
    public bool Overflow { get; private set; }
    /// <summary>Primary pending fault (FSTS_REG.PPF): some record's F bit is set.</summary>
    public bool PendingFault => _records.Any(r => r != null);
    /// <summary>Faults recorded, and faults not recorded because of an overflow, since the unit was made.</summary>
    public long Recorded { get; private set; }
    public long Lost { get; private set; }

    /// <summary>The fault status register: PFO (bit 0), PPF (bit 1), FRI (bits 15:8).</summary>
    public uint FaultStatus => (Overflow ? Pfo : 0) | (PendingFault ? Ppf : 0) | (uint)FaultRecordIndex << 8;

    /// <summary>The faults held (F set), read as software does: from FRI around the ring.</summary>
    public IReadOnlyList<DmaRemappingFault> Pending =>
        Enumerable.Range(0, Count).Select(i => _records[(FaultRecordIndex + i) % Count]).OfType<DmaRemappingFault>().ToList();

    /// <summary>The fault in record <paramref name="index"/>, or null if its F bit is clear.</summary>
    public DmaRemappingFault? this[int index] => _records[index];

    /// <summary>Logs <paramref name="fault"/> as §7.2.1 says; false if it was not recorded (PFO set, or set now).</summary>
    public bool Record(DmaRemappingFault fault)
    {
        if (Overflow) { Lost++; return false; }
        if (_records[_index] != null) { Overflow = true; Lost++; return false; }
        if (!PendingFault) FaultRecordIndex = _index;
        _records[_index] = fault;
        _index = (_index + 1) % Count;
        Recorded++;
        return true;
    }

    /// <summary>Software clears record <paramref name="index"/>'s F bit (write 1 to clear).</summary>
    public void Clear(int index) => _records[index] = null;

    /// <summary>Software clears PFO (write 1 to clear); recording resumes at the internal index.</summary>
    public void ClearOverflow() => Overflow = false;

    /// <summary>Record <paramref name="index"/> as the 128-bit register holds it (§11.4.7.6): low half FI, the faulting
    /// page address (bits 63:12); high half SID (79:64), FR (103:96), T (126: 1 read, 0 write), F (127).</summary>
    public (ulong Low, ulong High) Raw(int index)
    {
        if (_records[index] is not { } f) return (0, 0);
        ulong high = f.Source.Value | (ulong)f.Code << 32 | FaultBit | (f.Access == AccessKind.Write ? 0 : TypeRead);
        return (f.Iova & ~0xFFFUL, high);
    }
}
