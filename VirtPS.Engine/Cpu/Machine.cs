using VirtPS.Engine.Memory;

namespace VirtPS.Engine.Cpu;

/// <summary>Why <see cref="Machine.Run"/> returned.</summary>
public enum RunStop { Budget, Halt, Exception, Cancelled }

public readonly record struct RunResult(long Retired, RunStop Stop);

/// <summary>
/// A bare x86-64 machine: one processor and guest-physical memory, executing through a cache of decoded
/// basic blocks (the reference interpreter).
/// </summary>
public sealed partial class Machine
{
    readonly DecodeCache _decoded;

    public Machine(ulong memoryBytes)
    {
        Memory = new PhysicalMemory(memoryBytes);
        Cpu = new Processor(Memory);
        _decoded = new DecodeCache(Cpu);
    }

    public PhysicalMemory Memory { get; }
    public Processor Cpu { get; }
    /// <summary>The exception that stopped the machine, if one did.</summary>
    public GuestException? LastException { get; private set; }
    public bool Halted { get; private set; }
    /// <summary>Decoded basic blocks currently cached.</summary>
    public int DecodedBlocks => _decoded.Count;
    /// <summary>Blocks dropped because guest code wrote to their page.</summary>
    public long DecodeInvalidations => _decoded.Invalidations;

    /// <summary>Host work one call may do before it returns (in blocks), so callers can poll for Ctrl+C.</summary>
    const int MaxBlocksPerCall = 1 << 16;

    /// <summary>
    /// Runs until <paramref name="budget"/> instructions retire, HLT, or an unhandled exception. It may also
    /// return early with <see cref="RunStop.Budget"/> after a bounded amount of host work (so a guest that
    /// spins inside one long REP instruction cannot hold the caller); call again to continue.
    /// No .NET exception escapes: whatever the guest's bytes, the outcome is a guest event.
    /// </summary>
    public unsafe RunResult Run(long budget)
    {
        if (Halted) return new RunResult(0, RunStop.Halt);
        if (LastException != null) return new RunResult(0, RunStop.Exception);
        var p = Cpu;
        long retired = 0;
        Block? blk = null;
        for (int blocks = 0; retired < budget && blocks < MaxBlocksPerCall; blocks++)
        {
            ulong ip = p.Ip;
            Block next;
            if (blk != null && blk.Next1 is { } n1 && n1.Start == ip && n1.Valid) next = n1;
            else if (blk != null && blk.Next2 is { } n2 && n2.Start == ip && n2.Valid) next = n2;
            else
            {
                try { next = _decoded.Get(ip); }
                catch (Exception e) { return Stop(retired, Internal(e, ip)); }
                if (blk != null) { if (blk.Next1 == null || !blk.Next1.Valid) blk.Next1 = next; else blk.Next2 = next; }
            }
            blk = next;

            var insns = blk.Insns;
            int n = insns.Length;
            long room = budget - retired;
            int limit = n <= room ? n : (int)room;
            p.Ip = blk.FallThrough;
            int k = 0;
            try
            {
                for (; k < limit; k++)
                {
                    var ins = insns[k];
                    ins.Exec(p, ins);
                    if (p.CodeChanged) { k++; break; }
                }
            }
            catch (GuestFault f)
            {
                var ins = insns[k];
                p.Ip = ins.Ip;
                p.Unretired = false;
                return Stop(retired + k, new GuestException(f.Vector, f.ErrorCode, ins.Ip, ins.Bytes, f.Address, f.Detail));
            }
            catch (Exception e)
            {
                p.Ip = insns[k].Ip;
                return Stop(retired + k, Internal(e, insns[k].Ip, insns[k].Bytes));
            }
            blk.Executions++;
            retired += k;
            if (k < n)
            {
                // Stopped inside the block: the budget ran out, or the block rewrote code it depends on.
                p.Ip = insns[k].Ip;
                if (p.CodeChanged) { p.CodeChanged = false; blk = null; continue; }
                break;
            }
            p.CodeChanged = false;
            if (p.Unretired) { retired--; p.Unretired = false; }
            if (p.Halted)
            {
                p.Halted = false;
                Halted = true;
                return new RunResult(retired, RunStop.Halt);
            }
        }
        return new RunResult(retired, RunStop.Budget);
    }

    RunResult Stop(long retired, GuestException e)
    {
        LastException = e;
        return new RunResult(retired, RunStop.Exception);
    }

    /// <summary>An engine defect met while running guest code: reported as a machine check, never thrown.</summary>
    static GuestException Internal(Exception e, ulong ip, byte[]? bytes = null) =>
        new(ExceptionVector.MC, null, ip, bytes ?? [], null, $"internal engine error: {e.GetType().Name}: {e.Message}");
}
