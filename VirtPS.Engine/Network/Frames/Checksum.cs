namespace VirtPS.Engine.Network.Frames;

/// <summary>The Internet checksum of RFC 1071: the ones' complement of the ones' complement sum of 16-bit words.</summary>
public static class Checksum
{
    /// <summary>Adds <paramref name="data"/> to a running 32-bit sum (big-endian words; an odd last byte is padded with zero).</summary>
    public static uint Add(uint sum, ReadOnlySpan<byte> data)
    {
        int i = 0;
        for (; i + 1 < data.Length; i += 2) sum += (uint)((data[i] << 8) | data[i + 1]);
        if (i < data.Length) sum += (uint)(data[i] << 8);
        return sum;
    }

    /// <summary>Folds the carries back in (RFC 1071 section 4.1) and complements.</summary>
    public static ushort Finish(uint sum)
    {
        while ((sum >> 16) != 0) sum = (sum & 0xFFFF) + (sum >> 16);
        return (ushort)~sum;
    }

    public static ushort Compute(ReadOnlySpan<byte> data) => Finish(Add(0, data));

    /// <summary>The UDP/TCP pseudo-header (RFC 768, RFC 793): source, destination, zero, protocol, length.</summary>
    public static uint PseudoHeader(Ipv4Address src, Ipv4Address dst, byte protocol, int length)
        => (src.Value >> 16) + (src.Value & 0xFFFF) + (dst.Value >> 16) + (dst.Value & 0xFFFF) + protocol + (uint)length;

    /// <summary>Incremental update of RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'), for a 16-bit field changed from m to m'.</summary>
    public static ushort Update(ushort hc, ushort oldWord, ushort newWord)
    {
        uint sum = (uint)(ushort)~hc + (ushort)~oldWord + newWord;
        while ((sum >> 16) != 0) sum = (sum & 0xFFFF) + (sum >> 16);
        return (ushort)~sum;
    }
}
