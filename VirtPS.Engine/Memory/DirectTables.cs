using System.Buffers.Binary;

namespace VirtPS.Engine.Memory;

/// <summary>Paging structures read directly from guest-physical memory (the bare machine, shadow paging).</summary>
public readonly struct DirectTables(PhysicalMemory mem, bool setFlags) : IPagingStructures
{
    public bool Contains(ulong at) => mem.Contains(at, 8);
    public bool TryRead(int level, ulong table, ulong at, out ulong entry)
    {
        // A look that must leave no trace does not allocate untouched frames either.
        entry = setFlags || mem.IsResident(at >> 12) ? PageWalker.ReadEntry(mem, at) : 0;
        return true;
    }
    public void Write(ulong at, ulong entry) { if (setFlags) PageWalker.WriteEntry(mem, at, entry); }
}
