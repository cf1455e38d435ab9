namespace VirtPS.Engine.Cpu;

/// <summary>
/// A block compiled to .NET code. Runs the block from its first instruction with at least
/// <paramref name="room"/> (≥ the block's length) instructions of budget, and returns how many instructions retired:
/// the block's length for one pass; fewer when a write changed guest code; a multiple of it when the block is a loop that
/// ran several passes inside the compiled code. A guest fault propagates with <see cref="Processor.BlockIndex"/> and
/// <see cref="Processor.BlockDone"/> saying where.
/// </summary>
internal delegate int CompiledBlock(Processor p, long room);
