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
            throw new VirtPSException(ErrorIds.InvalidTlbGeometry, ErrorKind.InvalidArgument,
                $"{what}: {Entries} entries; a cache needs 1 to {1 << 20}.", Entries);
        if (Ways < 1 || Ways > Entries)
            throw new VirtPSException(ErrorIds.InvalidTlbGeometry, ErrorKind.InvalidArgument,
                $"{what}: {Ways} ways for {Entries} entries; the ways must be 1 to the number of entries.", Ways);
        if (Entries % Ways != 0)
            throw new VirtPSException(ErrorIds.InvalidTlbGeometry, ErrorKind.InvalidArgument,
                $"{what}: {Entries} entries do not divide into sets of {Ways} ways.", Entries);
    }

    public override string ToString() => $"{Entries} entries, {Ways}-way";
}
