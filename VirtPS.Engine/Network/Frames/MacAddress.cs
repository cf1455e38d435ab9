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
