using System.Globalization;

namespace VirtPS.Engine.Network.Frames;

/// <summary>A 48-bit IEEE 802 MAC address, kept in the low bits of a ulong so comparisons are cheap.</summary>
public readonly record struct MacAddress(ulong Value)
{
    public static readonly MacAddress Broadcast = new(0xFFFF_FFFF_FFFF);
    public bool IsBroadcast => Value == Broadcast.Value;
    /// <summary>The I/G bit: group (multicast or broadcast) addresses are flooded by a switch.</summary>
    public bool IsGroup => ((Value >> 40) & 1) != 0;

    public static MacAddress Read(ReadOnlySpan<byte> b)
        => new(((ulong)b[0] << 40) | ((ulong)b[1] << 32) | ((ulong)b[2] << 24) | ((ulong)b[3] << 16) | ((ulong)b[4] << 8) | b[5]);

    public void Write(Span<byte> b) { for (int i = 0; i < 6; i++) b[i] = (byte)(Value >> (40 - 8 * i)); }

    public static MacAddress Parse(string text)
    {
        var parts = text.Split(':', '-');
        if (parts.Length != 6) throw new VirtPSException(ErrorIds.InvalidMacAddress, ErrorKind.InvalidArgument, $"'{text}' is not a MAC address (six hex bytes).", text);
        ulong v = 0;
        foreach (var p in parts)
        {
            if (!byte.TryParse(p, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var x))
                throw new VirtPSException(ErrorIds.InvalidMacAddress, ErrorKind.InvalidArgument, $"'{text}' is not a MAC address (six hex bytes).", text);
            v = (v << 8) | x;
        }
        return new MacAddress(v);
    }

    public override string ToString()
    {
        var v = Value;
        return string.Join(":", Enumerable.Range(0, 6).Select(i => ((byte)(v >> (40 - 8 * i))).ToString("x2")));
    }
}

/// <summary>An IPv4 address in host order.</summary>
public readonly record struct Ipv4Address(uint Value) : IComparable<Ipv4Address>
{
    public static readonly Ipv4Address Any = new(0);
    public static readonly Ipv4Address Broadcast = new(0xFFFF_FFFF);

    public static Ipv4Address Read(ReadOnlySpan<byte> b) => new(((uint)b[0] << 24) | ((uint)b[1] << 16) | ((uint)b[2] << 8) | b[3]);
    public void Write(Span<byte> b) { b[0] = (byte)(Value >> 24); b[1] = (byte)(Value >> 16); b[2] = (byte)(Value >> 8); b[3] = (byte)Value; }

    public static bool TryParse(string? text, out Ipv4Address address)
    {
        address = Any;
        var parts = (text ?? "").Split('.');
        if (parts.Length != 4) return false;
        uint v = 0;
        foreach (var p in parts)
        {
            if (p.Length is 0 or > 3 || !p.All(char.IsAsciiDigit) || !byte.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out var x)) return false;
            v = (v << 8) | x;
        }
        address = new Ipv4Address(v);
        return true;
    }

    public static Ipv4Address Parse(string text) => TryParse(text, out var a) ? a
        : throw new VirtPSException(ErrorIds.InvalidIpAddress, ErrorKind.InvalidArgument, $"'{text}' is not an IPv4 address.", text);

    public Ipv4Address Offset(int n) => new((uint)(Value + n));
    public int CompareTo(Ipv4Address other) => Value.CompareTo(other.Value);
    public override string ToString() => $"{Value >> 24}.{(Value >> 16) & 255}.{(Value >> 8) & 255}.{Value & 255}";
}

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
