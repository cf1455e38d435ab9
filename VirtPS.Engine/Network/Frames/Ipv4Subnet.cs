using System.Globalization;

namespace VirtPS.Engine.Network.Frames;

/// <summary>An IPv4 prefix in CIDR notation (RFC 4632), e.g. 10.0.2.0/24. The address is always the network address.</summary>
public readonly record struct Ipv4Subnet(Ipv4Address Network, int PrefixLength)
{
    public uint Mask => PrefixLength == 0 ? 0u : uint.MaxValue << (32 - PrefixLength);
    public bool Contains(Ipv4Address a) => (a.Value & Mask) == Network.Value;
    public bool Overlaps(Ipv4Subnet o) => Contains(o.Network) || o.Contains(Network);
    public Ipv4Address BroadcastAddress => new(Network.Value | ~Mask);
    /// <summary>The n-th host address (n = 1 is the first usable one).</summary>
    public Ipv4Address Host(int n) => Network.Offset(n);

    /// <summary>Parses "a.b.c.d/n"; host bits must be zero so a typo is not silently widened. Error id InvalidCidr.</summary>
    public static Ipv4Subnet Parse(string? text)
    {
        var slash = (text ?? "").IndexOf('/');
        if (slash > 0 && Ipv4Address.TryParse(text![..slash], out var a)
            && int.TryParse(text[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is >= 0 and <= 32)
        {
            var s = new Ipv4Subnet(a, n);
            if ((a.Value & ~s.Mask) != 0)
                throw new VirtPSException(ErrorIds.InvalidCidr, ErrorKind.InvalidArgument,
                    $"'{text}' has host bits set; the network address is {new Ipv4Address(a.Value & s.Mask)}/{n}.", text);
            return s;
        }
        throw new VirtPSException(ErrorIds.InvalidCidr, ErrorKind.InvalidArgument, $"'{text}' is not an IPv4 prefix in CIDR notation (a.b.c.d/n, n from 0 to 32).", text);
    }

    public override string ToString() => $"{Network}/{PrefixLength}";
}
