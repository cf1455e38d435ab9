namespace VirtPS.Tests.Differential;

/// <summary>SplitMix64: a tiny fixed-algorithm PRNG, so a seed means the same vectors on every runtime.</summary>
internal sealed class Rng(ulong seed)
{
    ulong _s = seed;

    public ulong Next()
    {
        ulong z = _s += 0x9E37_79B9_7F4A_7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58_476D_1CE4_E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D0_49BB_1331_11EBUL;
        return z ^ (z >> 31);
    }

    public int Below(int n) => (int)(Next() % (ulong)n);
    public long Range(long lo, long hiExclusive) => lo + (long)(Next() % (ulong)(hiExclusive - lo));
    public bool Chance(double p) => (Next() >> 11) * (1.0 / (1UL << 53)) < p;
    public T Pick<T>(IReadOnlyList<T> list) => list[Below(list.Count)];

    /// <summary>A stable 64-bit hash of a string (FNV-1a), for per-form seeds that survive adding forms.</summary>
    public static ulong Hash(string s)
    {
        ulong h = 0xCBF2_9CE4_8422_2325UL;
        foreach (char c in s) { h ^= c; h *= 0x100_0000_01B3UL; }
        return h;
    }
}
