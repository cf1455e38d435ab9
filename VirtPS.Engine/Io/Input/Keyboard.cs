namespace VirtPS.Engine.Io.Input;

/// <summary>
/// A guest's keyboard and mouse: the PC's i8042 controller (ports 0x60 and 0x64, IRQ 1 for the keyboard and IRQ 12 for
/// the mouse) with a PS/2 keyboard and mouse behind it. Emulated only: a legacy part every register access of which the
/// VMM intercepts. The host's input reaches it only while its guest holds the lab's input focus (<see cref="Guests.Lab.InputFocus"/>).
/// </summary>
public sealed class Keyboard : GuestDevice
{
    public const string DefaultName = "kbd";
    readonly I8042 _controller = new();

    public Keyboard(string name = DefaultName) : base(name, DeviceClass.Input, IoMode.Emulated) { }

    /// <summary>The controller, with what it holds and what it counted.</summary>
    public I8042 Controller => _controller;
    public override string Model => "i8042 keyboard controller (ports 0x60, 0x64; IRQ 1, mouse IRQ 12) with a PS/2 keyboard and mouse";
    public override IReadOnlyList<IoMode> Modes => [IoMode.Emulated];
    /// <summary>The keyboard's IRQ; the mouse raises <see cref="I8042.AuxIrq"/>.</summary>
    public override int Irq => Attached ? I8042.KeyboardIrq : -1;
    public override IReadOnlyList<(ushort First, int Count)> PortRanges =>
        Attached ? [(I8042.DataPort, 1), (I8042.CommandPort, 1)] : [];

    protected override void OnAttach(DeviceContext context)
    {
        context.Ports.Map(I8042.DataPort, 1, _controller);
        context.Ports.Map(I8042.CommandPort, 1, _controller);
        _controller.Interrupt = irq => { Counters.Interrupts++; context.RaiseIrq(irq, false); };
        _controller.DataRead = SyncCounters;
    }

    protected override void OnDetach(DeviceContext context)
    {
        SyncCounters();
        context.Ports.Unmap(I8042.DataPort, 1);
        context.Ports.Unmap(I8042.CommandPort, 1);
        _controller.Interrupt = null;
        _controller.DataRead = null;
    }

    /// <summary>Types <paramref name="text"/>: each character's key pressed and released, with Shift around it where the
    /// character needs it. Every character is checked first (InputNotTypeable), so a refused text types nothing.</summary>
    public void Type(string text)
    {
        var strokes = Strokes(text);
        foreach (var (key, shift) in strokes)
        {
            if (shift) _controller.Key(Shift, true);
            _controller.Key(key, true);
            _controller.Key(key, false);
            if (shift) _controller.Key(Shift, false);
        }
        SyncCounters();
    }

    /// <summary>Presses and releases the key called <paramref name="name"/> (see <see cref="ScanCodes.Keys"/>).</summary>
    public void Press(string name)
    {
        var key = FindKey(name);
        _controller.Key(key, true);
        _controller.Key(key, false);
        SyncCounters();
    }

    /// <summary>Moves the mouse (right and up positive, in counts) with <paramref name="buttons"/> held.</summary>
    public void MoveMouse(int dx, int dy, MouseButtons buttons = MouseButtons.None)
    {
        _controller.MoveMouse(dx, dy, buttons);
        SyncCounters();
    }

    static readonly KeyCode Shift = ScanCodes.Find("LeftShift")!.Value;

    /// <summary>The keys that type <paramref name="text"/>; InputNotTypeable names the first character that has none.</summary>
    public static IReadOnlyList<(KeyCode Key, bool Shift)> Strokes(string text)
    {
        var list = new List<(KeyCode, bool)>(text.Length);
        foreach (char c in text)
            list.Add(ScanCodes.ForChar(c) ?? throw new VirtPSException(ErrorIds.InputNotTypeable, ErrorKind.InvalidArgument,
                $"The keyboard cannot type '{(char.IsControl(c) ? $"\\u{(int)c:X4}" : c.ToString())}': it types printable ASCII, Enter (\\n or \\r), Tab, Backspace and Escape. Use -Key for other keys.", c));
        return list;
    }

    /// <summary>The key called <paramref name="name"/>; InputKeyNotFound if the keyboard has none.</summary>
    public static KeyCode FindKey(string name) =>
        ScanCodes.Find(name) ?? throw new VirtPSException(ErrorIds.InputKeyNotFound, ErrorKind.InvalidArgument,
            $"The keyboard has no key '{name}'; keys: {string.Join(", ", ScanCodes.Names)} (and Esc, Return, Shift, Ctrl, Alt, Del, PgUp, PgDn).", name);

    /// <summary>Brings <see cref="GuestDevice.Counters"/> up to date: a request is a key press or release or a mouse packet;
    /// bytes are those the guest read from port 0x60.</summary>
    public override void SyncCounters()
    {
        Counters.Requests = _controller.KeyStrokes + _controller.MousePackets;
        Counters.Bytes = _controller.BytesRead;
    }
}
