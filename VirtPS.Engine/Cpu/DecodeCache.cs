using Iced.Intel;

namespace VirtPS.Engine.Cpu;

/// <summary>
/// Decoded basic blocks, cached by start address and indexed by the guest-physical frames their bytes sit on.
/// A write to such a page (seen by the processor's slow write path, since the write cache never holds
/// code pages) drops every block on it, so self-modifying code runs the new bytes.
/// </summary>
internal sealed class DecodeCache
{
    /// <summary>Instructions per block at most (tests lower it to make one-instruction blocks).</summary>
    internal int MaxBlockInsns = 64;
    /// <summary>An emulator's decoder: every instruction is decoded afresh each time it runs, one per block,
    /// and nothing is kept.</summary>
    internal bool Uncached;
    readonly Processor _p;
    readonly Dictionary<ulong, Block> _blocks = new();
    readonly Dictionary<ulong, List<Block>> _byPage = new();

    public DecodeCache(Processor p)
    {
        _p = p;
        p.IsCodeFrame = pfn => _byPage.ContainsKey(pfn);
        p.CodeWritten = InvalidatePage;
    }

    public int Count => _blocks.Count;
    public long Invalidations { get; private set; }
    public IEnumerable<Block> Blocks => _blocks.Values;

    /// <summary>Every cached block, alternates (blocks for other mappings of the same address) included.</summary>
    public IEnumerable<Block> AllBlocks()
    {
        foreach (var head in _blocks.Values)
            for (var b = head; b != null; b = b.Alternate)
                if (b.Valid) yield return b;
    }

    /// <summary>Blocks kept per linear address for other mappings of it (other address spaces).</summary>
    const int MaxAlternates = 8;

    public Block Get(ulong ip)
    {
        if (Uncached || !_blocks.TryGetValue(ip, out var b)) return Decode(ip);
        if (IsCurrent(b)) return b;
        // Processes run different code at the same linear address: after a CR3 switch back, the block
        // decoded for this address space may still be valid (no write reached its frames), so reuse it
        // (and its translation) instead of decoding again.
        var prev = b;
        while (prev.Alternate is { } alt)
        {
            if (!alt.Valid) { prev.Alternate = alt.Alternate; continue; }
            if (IsCurrent(alt))
            {
                prev.Alternate = alt.Alternate;
                alt.Alternate = b;
                _blocks[ip] = alt;
                return alt;
            }
            prev = alt;
        }
        return Decode(ip);
    }

    /// <summary>
    /// Blocks are found by linear address but hold bytes from physical frames. After translations may have
    /// changed (a CR3 load, INVLPG), a block is reused only if its address still maps to the same frames.
    /// </summary>
    public bool IsCurrent(Block b)
    {
        if (b.Epoch == _p.TranslationEpoch) return true;
        if (_p.Probe(b.Start) != b.PhysStart) return false;
        if (b.LastPage != b.FirstPage && _p.Probe((b.Start | 0xFFF) + 1) >> 12 != b.LastPage) return false;
        b.Epoch = _p.TranslationEpoch;
        return true;
    }

    void InvalidatePage(ulong pfn)
    {
        if (!_byPage.Remove(pfn, out var list)) return;
        foreach (var b in list)
        {
            if (!b.Valid) continue;
            b.Valid = false;
            Invalidations++;
            DropTranslation(b);
            if (_blocks.TryGetValue(b.Start, out var cur) && ReferenceEquals(cur, b)) _blocks.Remove(b.Start);
        }
        _p.CodeChanged = true;
    }

    /// <summary>A block's translation goes with its decode (the translation cache is invalidated with it).</summary>
    static void DropTranslation(Block b)
    {
        if (b.Translation is not { } t) return;
        t.Owner.Invalidations++;
        b.Translation = null;
    }

    Block Decode(ulong ip)
    {
        // Bytes from ip to the end of its page, plus up to 14 more so the last instruction may cross over.
        int inPage = 0x1000 - (int)(ip & 0xFFF);
        var buf = new byte[inPage + 14];
        int have = _p.Fetch(ip, buf, out var fetchFault, out ulong firstPa, out ulong secondPa);
        var decoder = Decoder.Create(64, new ByteArrayCodeReader(buf, 0, have), ip);

        var insns = new List<Insn>(16);
        ulong pos = ip;
        while (true)
        {
            int offset = (int)(pos - ip);
            if (offset >= inPage || insns.Count >= (Uncached ? 1 : MaxBlockInsns)) break;
            decoder.IP = pos;
            decoder.Decode(out var instr);
            Insn insn;
            if (decoder.LastError != DecoderError.None)
            {
                // Undecodable: raise the fault when (and only if) execution reaches it.
                bool ranOut = decoder.LastError == DecoderError.NoMoreBytes && fetchFault != null;
                // Record the bytes the decoder consumed (at least one, never past what could be fetched).
                int len = Math.Clamp(instr.Length, 1, 15);
                len = Math.Max(0, Math.Min(len, have - offset));
                insn = InsnBuilder.Fault(pos, buf.AsSpan(offset, len).ToArray(),
                    ranOut ? fetchFault! : new GuestFault(ExceptionVector.UD, null, null, "invalid opcode"));
                insns.Add(insn);
                break;
            }
            insn = InsnBuilder.Build(instr, buf.AsSpan(offset, instr.Length).ToArray());
            _p.Vmm?.Prepare(insn);
            insn.IndexInBlock = insns.Count;
            insns.Add(insn);
            pos = instr.NextIP;
            if (InsnBuilder.EndsBlock(insn)) break;
        }

        ulong end = insns[^1].NextIp;
        bool crosses = have > 0 && (Math.Max(end, ip + 1) - 1) >> 12 != ip >> 12 && secondPa != ulong.MaxValue;
        if (crosses) _p.FetchCrossed((ip | 0xFFF) + 1);
        var block = new Block
        {
            Start = ip,
            Insns = insns.ToArray(),
            FallThrough = end,
            PhysStart = firstPa,
            FirstPage = firstPa >> 12,
            LastPage = crosses ? secondPa >> 12 : firstPa >> 12,
            Epoch = _p.TranslationEpoch,
        };
        if (Uncached) { block.Valid = false; return block; }   // never chained, never found again
        if (_blocks.TryGetValue(ip, out var old))
        {
            // The block for another mapping of ip becomes an alternate (Get finds it again after a CR3 switch back).
            var tail = block;
            int kept = 0;
            for (var a = old; a != null && kept < MaxAlternates; a = a.Alternate)
            {
                if (!a.Valid) continue;
                tail.Alternate = a;
                tail = a;
                kept++;
            }
            tail.Alternate = null;
        }
        _blocks[ip] = block;
        if (have == 0) return block;   // nothing fetched: no frame holds this block's bytes
        foreach (ulong pg in block.LastPage == block.FirstPage ? [block.FirstPage] : (ulong[])[block.FirstPage, block.LastPage])
        {
            if (!_byPage.TryGetValue(pg, out var list)) _byPage[pg] = list = new List<Block>();
            list.Add(block);
            _p.ForgetWritable(pg);
        }
        return block;
    }
}
