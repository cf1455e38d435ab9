namespace VirtPS.Engine.Io.Input;

/// <summary>
/// The US PC keyboard's keys in scancode sets 1 and 2 (IBM PC/AT Technical Reference; the codes every PS/2 keyboard
/// uses), and text typed on it: which keys, with or without Shift, make each printable ASCII character.
/// </summary>
public static class ScanCodes
{
    /// <summary>Every key this keyboard has, by name.</summary>
    public static IReadOnlyList<KeyCode> Keys { get; } =
    [
        new("Escape", 0x76, 0x01), new("1", 0x16, 0x02), new("2", 0x1E, 0x03), new("3", 0x26, 0x04), new("4", 0x25, 0x05),
        new("5", 0x2E, 0x06), new("6", 0x36, 0x07), new("7", 0x3D, 0x08), new("8", 0x3E, 0x09), new("9", 0x46, 0x0A),
        new("0", 0x45, 0x0B), new("-", 0x4E, 0x0C), new("=", 0x55, 0x0D), new("Backspace", 0x66, 0x0E), new("Tab", 0x0D, 0x0F),
        new("q", 0x15, 0x10), new("w", 0x1D, 0x11), new("e", 0x24, 0x12), new("r", 0x2D, 0x13), new("t", 0x2C, 0x14),
        new("y", 0x35, 0x15), new("u", 0x3C, 0x16), new("i", 0x43, 0x17), new("o", 0x44, 0x18), new("p", 0x4D, 0x19),
        new("[", 0x54, 0x1A), new("]", 0x5B, 0x1B), new("Enter", 0x5A, 0x1C), new("LeftCtrl", 0x14, 0x1D),
        new("a", 0x1C, 0x1E), new("s", 0x1B, 0x1F), new("d", 0x23, 0x20), new("f", 0x2B, 0x21), new("g", 0x34, 0x22),
        new("h", 0x33, 0x23), new("j", 0x3B, 0x24), new("k", 0x42, 0x25), new("l", 0x4B, 0x26), new(";", 0x4C, 0x27),
        new("'", 0x52, 0x28), new("`", 0x0E, 0x29), new("LeftShift", 0x12, 0x2A), new("\\", 0x5D, 0x2B),
        new("z", 0x1A, 0x2C), new("x", 0x22, 0x2D), new("c", 0x21, 0x2E), new("v", 0x2A, 0x2F), new("b", 0x32, 0x30),
        new("n", 0x31, 0x31), new("m", 0x3A, 0x32), new(",", 0x41, 0x33), new(".", 0x49, 0x34), new("/", 0x4A, 0x35),
        new("RightShift", 0x59, 0x36), new("KeypadMultiply", 0x7C, 0x37), new("LeftAlt", 0x11, 0x38), new("Space", 0x29, 0x39),
        new("CapsLock", 0x58, 0x3A), new("F1", 0x05, 0x3B), new("F2", 0x06, 0x3C), new("F3", 0x04, 0x3D), new("F4", 0x0C, 0x3E),
        new("F5", 0x03, 0x3F), new("F6", 0x0B, 0x40), new("F7", 0x83, 0x41), new("F8", 0x0A, 0x42), new("F9", 0x01, 0x43),
        new("F10", 0x09, 0x44), new("NumLock", 0x77, 0x45), new("ScrollLock", 0x7E, 0x46),
        new("Keypad7", 0x6C, 0x47), new("Keypad8", 0x75, 0x48), new("Keypad9", 0x7D, 0x49), new("KeypadMinus", 0x7B, 0x4A),
        new("Keypad4", 0x6B, 0x4B), new("Keypad5", 0x73, 0x4C), new("Keypad6", 0x74, 0x4D), new("KeypadPlus", 0x79, 0x4E),
        new("Keypad1", 0x69, 0x4F), new("Keypad2", 0x72, 0x50), new("Keypad3", 0x7A, 0x51), new("Keypad0", 0x70, 0x52),
        new("KeypadPeriod", 0x71, 0x53), new("F11", 0x78, 0x57), new("F12", 0x07, 0x58),
        // Extended keys: 0xE0, then the code of the keypad key (or modifier) they duplicate.
        new("RightCtrl", 0x14, 0x1D, true), new("RightAlt", 0x11, 0x38, true),
        new("Home", 0x6C, 0x47, true), new("Up", 0x75, 0x48, true), new("PageUp", 0x7D, 0x49, true),
        new("Left", 0x6B, 0x4B, true), new("Right", 0x74, 0x4D, true), new("End", 0x69, 0x4F, true),
        new("Down", 0x72, 0x50, true), new("PageDown", 0x7A, 0x51, true), new("Insert", 0x70, 0x52, true),
        new("Delete", 0x71, 0x53, true),
    ];

    static readonly Dictionary<string, KeyCode> ByName = BuildNames();

    static Dictionary<string, KeyCode> BuildNames()
    {
        var d = new Dictionary<string, KeyCode>(StringComparer.OrdinalIgnoreCase);
        foreach (var k in Keys) d[k.Name] = k;
        d["Esc"] = d["Escape"]; d["Return"] = d["Enter"]; d["Shift"] = d["LeftShift"]; d["Ctrl"] = d["LeftCtrl"];
        d["Alt"] = d["LeftAlt"]; d["Del"] = d["Delete"]; d["PgUp"] = d["PageUp"]; d["PgDn"] = d["PageDown"];
        return d;
    }

    /// <summary>The 8042's set 2 to set 1 translation, for the codes of this keyboard (others pass unchanged).</summary>
    static readonly Dictionary<byte, byte> Translation = Keys.Where(k => !k.Extended).ToDictionary(k => k.Set2, k => k.Set1);

    /// <summary>The set 1 code the 8042 gives for a set 2 code when translation is on.</summary>
    public static byte Translate(byte set2) => Translation.TryGetValue(set2, out var s1) ? s1 : set2;

    /// <summary>The key called <paramref name="name"/> (without case; "Esc", "Return", "Del", ... too), or null.</summary>
    public static KeyCode? Find(string name) => ByName.TryGetValue(name, out var k) ? k : null;

    /// <summary>The names -Key accepts, for messages and completion.</summary>
    public static IEnumerable<string> Names => Keys.Select(k => k.Name);

    const string Unshifted = "`1234567890-=[]\\;',./";
    const string Shifted = "~!@#$%^&*()_+{}|:\"<>?";

    /// <summary>The key and Shift state that type <paramref name="c"/> (printable ASCII, '\n' or '\r' as Enter, '\t',
    /// '\b', ESC), or null for a character this keyboard cannot type.</summary>
    public static (KeyCode Key, bool Shift)? ForChar(char c)
    {
        switch (c)
        {
            case '\n' or '\r': return (ByName["Enter"], false);
            case '\t': return (ByName["Tab"], false);
            case '\b': return (ByName["Backspace"], false);
            case '\x1b': return (ByName["Escape"], false);
            case ' ': return (ByName["Space"], false);
        }
        if (c is >= 'a' and <= 'z') return (ByName[c.ToString()], false);
        if (c is >= 'A' and <= 'Z') return (ByName[char.ToLowerInvariant(c).ToString()], true);
        if (char.IsAsciiDigit(c)) return (ByName[c.ToString()], false);
        int u = Unshifted.IndexOf(c);
        if (u >= 0) return (ByName[c.ToString()], false);
        int s = Shifted.IndexOf(c);
        if (s >= 0) return (ByName[Unshifted[s].ToString()], true);
        return null;
    }

    /// <summary>Set 2 bytes the keyboard sends for pressing (<paramref name="down"/>) or releasing a key.</summary>
    public static IEnumerable<byte> Set2(KeyCode k, bool down)
    {
        if (k.Extended) yield return 0xE0;
        if (!down) yield return 0xF0;
        yield return k.Set2;
    }

    /// <summary>Set 1 bytes of pressing or releasing a key (what the driver reads with translation on).</summary>
    public static IEnumerable<byte> Set1(KeyCode k, bool down)
    {
        if (k.Extended) yield return 0xE0;
        yield return down ? k.Set1 : (byte)(k.Set1 | 0x80);
    }
}
