using System.Globalization;

namespace VirtPS.Engine.Network.Frames;

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
