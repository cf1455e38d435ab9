namespace VirtPS.Engine.Memory;

/// <summary>
/// The shape of a set-associative cache: how many entries and how many ways (entries per set). The sets
/// are entries / ways; the set of a key is its index bits modulo that.
/// </summary>
public readonly record struct CacheGeometry(int Entries, int Ways)
{
    public int Sets => Entries / Ways;

    /// <summary>Refuses a geometry that does not divide into whole sets, naming the value.</summary>
    public void Validate(string what)
    {
        if (Entries < 1 || Entries > 1 << 20)
            throw new VirtPSException("InvalidTlbGeometry", ErrorKind.InvalidArgument,
                $"{what}: {Entries} entries; a cache needs 1 to {1 << 20}.", Entries);
        if (Ways < 1 || Ways > Entries)
            throw new VirtPSException("InvalidTlbGeometry", ErrorKind.InvalidArgument,
                $"{what}: {Ways} ways for {Entries} entries; the ways must be 1 to the number of entries.", Ways);
        if (Entries % Ways != 0)
            throw new VirtPSException("InvalidTlbGeometry", ErrorKind.InvalidArgument,
                $"{what}: {Entries} entries do not divide into sets of {Ways} ways.", Entries);
    }

    public override string ToString() => $"{Entries} entries, {Ways}-way";
}

/// <summary>
/// A set-associative cache with true LRU replacement within each set: the one mechanism behind every
/// translation cache the memory model keeps (the TLB levels, the paging-structure caches, the nested TLB).
/// Keys are placed by <c>index % sets</c>, where the caller chooses the index (the low bits of a page
/// number, as hardware does). Deterministic: the same sequence of operations gives the same contents.
/// </summary>
public sealed class SetAssociativeCache<TKey, TValue> where TKey : IEquatable<TKey>
{
    struct Way { public bool Valid; public TKey Key; public TValue Value; public long LastUse; }

    readonly Way[] _ways;
    readonly int _assoc, _sets;
    long _clock;

    public SetAssociativeCache(CacheGeometry geometry, string name)
    {
        geometry.Validate(name);
        Geometry = geometry;
        Name = name;
        _assoc = geometry.Ways;
        _sets = geometry.Sets;
        _ways = new Way[geometry.Entries];
    }

    public string Name { get; }
    public CacheGeometry Geometry { get; }
    public long Hits { get; private set; }
    public long Misses { get; private set; }
    /// <summary>Valid entries pushed out by a fill into a full set.</summary>
    public long Evictions { get; private set; }
    public int Count { get { int n = 0; foreach (var w in _ways) if (w.Valid) n++; return n; } }

    int SetOf(ulong index) => (int)(index % (ulong)_sets) * _assoc;

    /// <summary>Looks up <paramref name="key"/> in the set chosen by <paramref name="index"/>; a hit becomes the set's most recently used.</summary>
    public bool TryGet(ulong index, TKey key, out TValue value)
    {
        int s = SetOf(index);
        for (int i = s; i < s + _assoc; i++)
        {
            ref var w = ref _ways[i];
            if (w.Valid && w.Key.Equals(key))
            {
                w.LastUse = ++_clock;
                Hits++;
                value = w.Value;
                return true;
            }
        }
        Misses++;
        value = default!;
        return false;
    }

    /// <summary>Inserts or replaces <paramref name="key"/>; in a full set the least recently used entry goes.</summary>
    public void Put(ulong index, TKey key, TValue value)
    {
        int s = SetOf(index), victim = -1, free = -1, lru = s;
        for (int i = s; i < s + _assoc; i++)
        {
            ref var w = ref _ways[i];
            if (!w.Valid) { if (free < 0) free = i; continue; }
            if (w.Key.Equals(key)) { victim = i; break; }
            if (w.LastUse < _ways[lru].LastUse || !_ways[lru].Valid) lru = i;
        }
        if (victim < 0) victim = free >= 0 ? free : lru;
        ref var v = ref _ways[victim];
        if (v.Valid && !v.Key.Equals(key)) Evictions++;
        v = new Way { Valid = true, Key = key, Value = value, LastUse = ++_clock };
    }

    /// <summary>Drops every entry <paramref name="match"/> selects; returns how many went.</summary>
    public int Invalidate(Func<TKey, TValue, bool> match)
    {
        int n = 0;
        for (int i = 0; i < _ways.Length; i++)
        {
            ref var w = ref _ways[i];
            if (w.Valid && match(w.Key, w.Value)) { w.Valid = false; n++; }
        }
        return n;
    }

    /// <summary>Drops everything.</summary>
    public void Clear() { for (int i = 0; i < _ways.Length; i++) _ways[i].Valid = false; }

    /// <summary>The valid entries, set by set, each set in way order.</summary>
    public IEnumerable<(TKey Key, TValue Value)> Entries()
    {
        for (int i = 0; i < _ways.Length; i++)
            if (_ways[i].Valid) yield return (_ways[i].Key, _ways[i].Value);
    }

    public void ResetStatistics() { Hits = 0; Misses = 0; Evictions = 0; }
}
