using System.Runtime.CompilerServices;
using Iced.Intel;

namespace VirtPS.Engine.Cpu;

/// <summary>
/// A basic block of decoded instructions: straight-line code ending at a control transfer, HLT, a string
/// instruction with REP, a page end, or an instruction that cannot be decoded (which raises its fault only
/// when reached).
/// </summary>
internal sealed class Block
{
    public required ulong Start;
    public required Insn[] Insns;
    /// <summary>Where execution continues if the last instruction does not transfer control.</summary>
    public required ulong FallThrough;
    /// <summary>Guest-physical frames the block's bytes occupy (one, or two if the last instruction crosses a page).</summary>
    public required ulong FirstPage, LastPage;
    /// <summary>The guest-physical address the block was decoded from.</summary>
    public required ulong PhysStart;
    /// <summary>The translation epoch at which the block's linear-to-physical mapping was last confirmed.</summary>
    public long Epoch;
    public bool Valid = true;
    /// <summary>Chained successors, checked by address, so the loop rarely looks a block up.</summary>
    public Block? Next1, Next2;
    public long Executions;
    /// <summary>The block compiled by the block translator; it dies with the block (invalidation drops both).</summary>
    [HostCache] public TranslatedBlock? Translation;
    /// <summary>A block decoded at the same linear address under another mapping (another address space).</summary>
    public Block? Alternate;
}
