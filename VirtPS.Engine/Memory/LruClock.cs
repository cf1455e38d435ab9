namespace VirtPS.Engine.Memory;

/// <summary>
/// The recency clock of one or more caches. A cache ticks it on its own hits and fills; a front cache that
/// serves hits for it (the host page caches for the L1 DTLB) stamps with <see cref="Now"/> directly, and those
/// ticks are the front's hits: <see cref="Now"/> minus <see cref="CacheTicks"/>.
/// </summary>
public sealed class LruClock
{
    public long Now;
    public long CacheTicks;
    internal long Tick() { CacheTicks++; return ++Now; }
    /// <summary>Ticks made by a front cache's hits.</summary>
    public long FrontTicks => Now - CacheTicks;
}
