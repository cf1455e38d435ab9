namespace VirtPS.Engine.Memory;

/// <summary>
/// A set-associative cache with true LRU replacement within each set: the one mechanism behind every
/// translation cache the memory model keeps (the TLB levels, the paging-structure caches, the nested TLB).
/// Keys are placed by <c>index % sets</c>, where the caller chooses the index (the low bits of a page
/// number, as hardware does). Deterministic: the same sequence of operations gives the same contents.
/// </summary>
public sealed class SetAssociativeCache<TKey, TValue> where TKey : IEquatable<TKey>
{
    struct Way { public bool Valid; public TKey Key; public TValue Value; }

    // Each set's ways are allocated when the set is first filled: a guest that touches a few pages uses a few sets, so
    // an STLB of 1536 entries (96 KiB of ways) costs an idle or small guest almost nothing.
    readonly Way[]?[] _ways;
    // LRU stamps apart from the ways, so a cache in front of this one (the processor's host page caches) can
    // refresh an entry's recency on its own hits without a lookup.
    readonly long[] _lastUse;
    readonly int _assoc, _sets;
    readonly LruClock _clock;

    public SetAssociativeCache(CacheGeometry geometry, string name, LruClock? clock = null)
    {
        geometry.Validate(name);
        Geometry = geometry;
        Name = name;
        _assoc = geometry.Ways;
        _sets = geometry.Sets;
        _ways = new Way[]?[_sets];
        _lastUse = new long[geometry.Entries];
        _clock = clock ?? new LruClock();
    }

    /// <summary>The recency stamps, one per way (see <see cref="LastWay"/>).</summary>
    internal long[] Stamps => _lastUse;
    /// <summary>The way the last hit or fill used.</summary>
    internal int LastWay { get; private set; }
    /// <summary>Told of every valid entry that leaves other than by <see cref="Clear"/>: evicted by a fill, or invalidated.</summary>
    public Action<TKey>? Dropped { get; set; }

    public string Name { get; }
    public CacheGeometry Geometry { get; }
    public long Hits { get; private set; }
    public long Misses { get; private set; }
    /// <summary>Valid entries pushed out by a fill into a full set.</summary>
    public long Evictions { get; private set; }
    public int Count { get { int n = 0; foreach (var set in _ways) if (set != null) foreach (var w in set) if (w.Valid) n++; return n; } }

    int SetOf(ulong index) => (int)(index % (ulong)_sets);

    /// <summary>Looks up <paramref name="key"/> in the set chosen by <paramref name="index"/>; a hit becomes the set's most recently used.</summary>
    public bool TryGet(ulong index, TKey key, out TValue value)
    {
        int set = SetOf(index);
        if (_ways[set] is { } ways)
            for (int k = 0; k < ways.Length; k++)
            {
                ref var w = ref ways[k];
                if (w.Valid && w.Key.Equals(key))
                {
                    int i = set * _assoc + k;
                    _lastUse[i] = _clock.Tick();
                    LastWay = i;
                    Hits++;
                    value = w.Value;
                    return true;
                }
            }
        Misses++;
        value = default!;
        return false;
    }

    /// <summary>As <see cref="TryGet"/>, but a look that leaves no trace: no recency change, no statistics.</summary>
    public bool TryPeek(ulong index, TKey key, out TValue value)
    {
        if (_ways[SetOf(index)] is { } ways)
            foreach (ref readonly var w in ways.AsSpan())
                if (w.Valid && w.Key.Equals(key)) { value = w.Value; return true; }
        value = default!;
        return false;
    }

    /// <summary>Inserts or replaces <paramref name="key"/>; in a full set the least recently used entry goes.</summary>
    public void Put(ulong index, TKey key, TValue value)
    {
        int set = SetOf(index), s = set * _assoc;
        var ways = _ways[set] ??= new Way[_assoc];
        // Way numbers within the set; stamps are indexed by set start + way.
        int victim = -1, free = -1, lru = 0;
        for (int k = 0; k < _assoc; k++)
        {
            ref var w = ref ways[k];
            if (!w.Valid) { if (free < 0) free = k; continue; }
            if (w.Key.Equals(key)) { victim = k; break; }
            if (_lastUse[s + k] < _lastUse[s + lru] || !ways[lru].Valid) lru = k;
        }
        if (victim < 0) victim = free >= 0 ? free : lru;
        ref var v = ref ways[victim];
        if (v.Valid && !v.Key.Equals(key)) { Evictions++; Dropped?.Invoke(v.Key); }
        v = new Way { Valid = true, Key = key, Value = value };
        _lastUse[s + victim] = _clock.Tick();
        LastWay = s + victim;
    }

    /// <summary>Drops every entry <paramref name="match"/> selects; returns how many went.</summary>
    public int Invalidate(Func<TKey, TValue, bool> match)
    {
        int n = 0;
        foreach (var set in _ways)
            if (set != null)
                for (int k = 0; k < set.Length; k++)
                {
                    ref var w = ref set[k];
                    if (w.Valid && match(w.Key, w.Value)) { w.Valid = false; n++; Dropped?.Invoke(w.Key); }
                }
        return n;
    }

    /// <summary>Drops everything.</summary>
    public void Clear() { foreach (var set in _ways) if (set != null) for (int k = 0; k < set.Length; k++) set[k].Valid = false; }

    /// <summary>The valid entries, set by set, each set in way order.</summary>
    public IEnumerable<(TKey Key, TValue Value)> Entries()
    {
        foreach (var set in _ways)
            if (set != null)
                foreach (var w in set)
                    if (w.Valid) yield return (w.Key, w.Value);
    }

    public void ResetStatistics() { Hits = 0; Misses = 0; Evictions = 0; }
}
