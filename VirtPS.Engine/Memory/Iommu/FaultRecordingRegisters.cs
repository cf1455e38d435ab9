namespace VirtPS.Engine.Memory.Iommu;

/// <summary>
/// Primary fault logging (VT-d §7.2.1) into the fault recording registers (FRCD_REG, register chapter): a fixed number of
/// 128-bit records used as a ring from the fault record index (FRI). A fault is written to the record at FRI, whose F
/// (fault) bit is set, and FRI moves on; if that record still holds an unserviced fault (F set), the new fault is not
/// recorded and the fault status register's primary fault overflow (PFO) flag is set instead. Software services a
/// record by clearing its F bit (write 1 to clear) and clears PFO the same way.
/// </summary>
public sealed class FaultRecordingRegisters
{
    /// <summary>FSTS_REG bits: primary fault overflow (bit 0), primary pending fault (bit 1); FRI is in bits 15:8.</summary>
    public const uint Pfo = 1, Ppf = 2;
    /// <summary>FRCD_REG upper-half bits: F (bit 127), T (bit 126: 0 write, 1 read); FR is bits 103:96, SID bits 79:64.</summary>
    public const ulong FaultBit = 1UL << 63, TypeRead = 1UL << 62;

    readonly DmaRemappingFault?[] _records;

    public FaultRecordingRegisters(int count = 8)
    {
        if (count is < 1 or > 256) throw new ArgumentOutOfRangeException(nameof(count), "A unit has 1 to 256 fault recording registers (NFR + 1).");
        _records = new DmaRemappingFault?[count];
    }

    public int Count => _records.Length;
    /// <summary>The fault record index: the record the next fault goes to.</summary>
    public int FaultRecordIndex { get; private set; }
    /// <summary>Primary fault overflow: a fault arrived while its record was still full and was lost.</summary>
    public bool Overflow { get; private set; }
    /// <summary>Faults recorded and faults lost to overflow, since the unit was made.</summary>
    public long Recorded { get; private set; }
    public long Lost { get; private set; }

    /// <summary>The fault status register: PFO, PPF (some record's F set) and FRI.</summary>
    public uint FaultStatus => (Overflow ? Pfo : 0) | (_records.Any(r => r != null) ? Ppf : 0) | (uint)FaultRecordIndex << 8;

    /// <summary>The faults held (F set), oldest first from FRI around the ring.</summary>
    public IReadOnlyList<DmaRemappingFault> Pending =>
        Enumerable.Range(0, Count).Select(i => _records[(FaultRecordIndex + i) % Count]).OfType<DmaRemappingFault>().ToList();

    /// <summary>The fault in record <paramref name="index"/>, or null if its F bit is clear.</summary>
    public DmaRemappingFault? this[int index] => _records[index];

    /// <summary>Logs <paramref name="fault"/>; false if the record at FRI was full (the fault is lost and PFO set).</summary>
    public bool Record(DmaRemappingFault fault)
    {
        if (_records[FaultRecordIndex] != null) { Overflow = true; Lost++; return false; }
        _records[FaultRecordIndex] = fault;
        FaultRecordIndex = (FaultRecordIndex + 1) % Count;
        Recorded++;
        return true;
    }

    /// <summary>Software clears record <paramref name="index"/>'s F bit, making the record free again.</summary>
    public void Clear(int index) => _records[index] = null;

    /// <summary>Software clears PFO (write 1 to clear).</summary>
    public void ClearOverflow() => Overflow = false;

    /// <summary>Record <paramref name="index"/> as the 128-bit register holds it: low half FI (the faulting page address,
    /// bits 63:12), high half SID (79:64), FR (103:96), T (126), F (127).</summary>
    public (ulong Low, ulong High) Raw(int index)
    {
        if (_records[index] is not { } f) return (0, 0);
        ulong high = f.Source.Value | (ulong)f.Code << 32 | FaultBit | (f.Access == AccessKind.Write ? 0 : TypeRead);
        return (f.Iova & ~0xFFFUL, high);
    }
}
