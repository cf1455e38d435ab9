namespace VirtPS.Engine.Io.Input;

/// <summary>
/// The PC/AT keyboard controller (an Intel 8042), register-level, with a PS/2 keyboard on its keyboard port and a PS/2
/// mouse on its auxiliary port. Port 0x60 is data (read: the output buffer; write: to the keyboard, or the argument of
/// a controller command); port 0x64 is status (read) and controller commands (write). One output buffer serves both
/// devices: AUXB says whose byte it holds, and the command byte's INT and INT2 raise IRQ 1 or IRQ 12 as a byte arrives
/// in it. With XLAT set the controller translates the keyboard's scancode set 2 to set 1 (an 0xF0 break prefix becomes
/// bit 7 of the next code). Sources: IBM PC/AT Technical Reference (keyboard controller, command byte, status),
/// IBM PS/2 Hardware Interface Technical Reference (keyboard and mouse commands, the 3-byte mouse packet).
/// Departures: the input buffer is never full (the controller takes each write at once); the devices buffer up to
/// <see cref="DeviceBufferLimit"/> bytes (a real keyboard about 16); only the translations of this keyboard's own codes
/// are known (other codes pass unchanged); the scancode set cannot be changed (0xF0 is acknowledged and ignored).
/// </summary>
public sealed class I8042 : IPortDevice
{
    public const ushort DataPort = 0x60, CommandPort = 0x64;
    public const int KeyboardIrq = 1, AuxIrq = 12;
    public const int DeviceBufferLimit = 1024;
    const byte Ack = 0xFA, Resend = 0xFE, SelfTestPassed = 0xAA;

    /// <summary>At power-on both ports are disabled and interrupts off (no BIOS has set the controller up): what is typed
    /// before the driver starts waits in the devices, as a keyboard holds its keys while the controller inhibits it.</summary>
    public const I8042Config PowerOnConfig = I8042Config.KeyboardDisabled | I8042Config.AuxDisabled | I8042Config.SystemFlag | I8042Config.Translate;

    I8042Config _config = PowerOnConfig;
    byte _output;
    bool _full, _fromAux, _lastWasCommand, _breakPrefix;
    byte? _awaitingData;                 // a controller command whose argument comes next at port 0x60
    readonly Queue<byte> _controller = new();
    readonly Queue<byte> _kbdReplies = new(), _kbdKeys = new();
    readonly Queue<byte> _auxReplies = new(), _auxPackets = new();
    bool _scanning = true;
    byte? _kbdArgumentFor;
    bool _reporting, _scaling21;
    byte _sampleRate = 100, _resolution = 2;
    byte? _auxArgumentFor;
    MouseButtons _buttons;

    /// <summary>Raised with the IRQ (1 or 12) when a byte reaches the output buffer and the command byte enables its interrupt.</summary>
    public Action<int>? Interrupt { get; set; }
    /// <summary>Called after the guest took a byte from the output buffer (for the device's counters).</summary>
    public Action? DataRead { get; set; }

    public I8042Config Config => _config;
    public I8042Status Status =>
        (_full ? I8042Status.OutputBufferFull : 0) | (_full && _fromAux ? I8042Status.AuxOutputBufferFull : 0)
        | ((_config & I8042Config.SystemFlag) != 0 ? I8042Status.SystemFlag : 0)
        | (_lastWasCommand ? I8042Status.CommandData : 0) | I8042Status.NotInhibited;
    /// <summary>Whether the mouse sends movement packets (the driver sent it 0xF4).</summary>
    public bool MouseReporting => _reporting;
    /// <summary>Keys pressed or released, and mouse packets made, that the devices accepted.</summary>
    public long KeyStrokes { get; private set; }
    public long MousePackets { get; private set; }
    /// <summary>Input the devices did not take: their buffer was full, the keyboard was not scanning, or the mouse not reporting.</summary>
    public long Dropped { get; private set; }
    /// <summary>Bytes the guest read from the output buffer.</summary>
    public long BytesRead { get; private set; }

    public ulong In(ushort port, int size)
    {
        if (port == CommandPort) return (ulong)Status;
        byte b = _output;
        if (_full) { _full = false; BytesRead++; DataRead?.Invoke(); Pump(); }
        return b;
    }

    public void Out(ushort port, int size, ulong value)
    {
        byte v = (byte)value;
        _lastWasCommand = port == CommandPort;
        if (port == CommandPort) Command(v);
        else if (_awaitingData is { } cmd) { _awaitingData = null; CommandData(cmd, v); }
        else KeyboardCommand(v);
        Pump();
    }

    void Command(byte c)
    {
        _awaitingData = null;
        switch (c)
        {
            case 0x20: _controller.Enqueue((byte)_config); break;                 // read the command byte
            case 0x60 or 0xD1 or 0xD2 or 0xD3 or 0xD4: _awaitingData = c; break;   // its argument follows at 0x60
            case 0xA7: _config |= I8042Config.AuxDisabled; break;
            case 0xA8: _config &= ~I8042Config.AuxDisabled; break;
            case 0xA9 or 0xAB: _controller.Enqueue(0x00); break;                 // interface tests: no error
            case 0xAA: _controller.Enqueue(0x55); break;                         // self-test passed
            case 0xAD: _config |= I8042Config.KeyboardDisabled; break;
            case 0xAE: _config &= ~I8042Config.KeyboardDisabled; break;
            case 0xD0:                                                            // output port: A20 on, reset off, OBF lines
                _controller.Enqueue((byte)(0x03 | (_full && !_fromAux ? 0x10 : 0) | (_full && _fromAux ? 0x20 : 0))); break;
        }
    }

    void CommandData(byte cmd, byte v)
    {
        switch (cmd)
        {
            case 0x60:
                var before = _config;
                _config = (I8042Config)(v & 0x77);
                // The IRQ lines are OBF gated by INT and INT2: enabling one while a byte waits raises it.
                if (_full && !_fromAux && (before & I8042Config.KeyboardInterrupt) == 0 && (_config & I8042Config.KeyboardInterrupt) != 0) Raise(KeyboardIrq);
                if (_full && _fromAux && (before & I8042Config.AuxInterrupt) == 0 && (_config & I8042Config.AuxInterrupt) != 0) Raise(AuxIrq);
                break;
            case 0xD2: Keep(_kbdReplies, v); break;    // as if the keyboard had sent it
            case 0xD3: Keep(_auxReplies, v); break;    // as if the mouse had sent it
            case 0xD4: MouseCommand(v); break;
        }
    }

    void KeyboardCommand(byte c)
    {
        if (_kbdArgumentFor is { } pending)
        {
            _kbdArgumentFor = null;
            Keep(_kbdReplies, Ack);
            if (pending == 0xF0 && c == 0) Keep(_kbdReplies, 0x02);   // the current set: 2
            return;
        }
        switch (c)
        {
            case 0xED or 0xF3 or 0xF0: Keep(_kbdReplies, Ack); _kbdArgumentFor = c; break;   // LEDs, typematic, set
            case 0xEE: Keep(_kbdReplies, 0xEE); break;                                     // echo
            case 0xF2: Keep(_kbdReplies, Ack); Keep(_kbdReplies, 0xAB); Keep(_kbdReplies, 0x83); break;   // MF2 keyboard
            case 0xF4: Keep(_kbdReplies, Ack); _scanning = true; break;
            case 0xF5: Keep(_kbdReplies, Ack); _scanning = false; _kbdKeys.Clear(); break;
            case 0xF6: Keep(_kbdReplies, Ack); _kbdKeys.Clear(); break;
            case 0xFF: _kbdKeys.Clear(); _kbdReplies.Clear(); _scanning = true; Keep(_kbdReplies, Ack); Keep(_kbdReplies, SelfTestPassed); break;
            default: Keep(_kbdReplies, Resend); break;
        }
    }

    void MouseCommand(byte c)
    {
        if (_auxArgumentFor is { } pending)
        {
            _auxArgumentFor = null;
            if (pending == 0xF3) _sampleRate = c; else _resolution = (byte)(c & 3);
            Keep(_auxReplies, Ack);
            return;
        }
        switch (c)
        {
            case 0xF3 or 0xE8: Keep(_auxReplies, Ack); _auxArgumentFor = c; break;   // sample rate, resolution
            case 0xE6: Keep(_auxReplies, Ack); _scaling21 = false; break;
            case 0xE7: Keep(_auxReplies, Ack); _scaling21 = true; break;
            case 0xE9:                                                                // status request
                Keep(_auxReplies, Ack);
                Keep(_auxReplies, (byte)((_reporting ? 0x20 : 0) | (_scaling21 ? 0x10 : 0) | (byte)_buttons));
                Keep(_auxReplies, _resolution); Keep(_auxReplies, _sampleRate); break;
            case 0xEA or 0xF0: Keep(_auxReplies, Ack); break;                         // stream, remote mode
            case 0xEB: Keep(_auxReplies, Ack); foreach (var b in Packet(0, 0)) Keep(_auxReplies, b); break;   // read data
            case 0xF2: Keep(_auxReplies, Ack); Keep(_auxReplies, 0x00); break;       // device id: a standard mouse
            case 0xF4: Keep(_auxReplies, Ack); _reporting = true; break;
            case 0xF5: Keep(_auxReplies, Ack); _reporting = false; _auxPackets.Clear(); break;
            case 0xF6: Keep(_auxReplies, Ack); Defaults(); break;
            case 0xFF:
                Defaults(); _auxReplies.Clear();
                Keep(_auxReplies, Ack); Keep(_auxReplies, SelfTestPassed); Keep(_auxReplies, 0x00); break;
            default: Keep(_auxReplies, Resend); break;
        }
    }

    void Defaults() { _reporting = false; _scaling21 = false; _sampleRate = 100; _resolution = 2; _auxPackets.Clear(); }

    // ---- input from the host ----

    /// <summary>The keyboard sends the set 2 codes of pressing (or releasing) <paramref name="key"/>.</summary>
    public void Key(KeyCode key, bool down)
    {
        if (!_scanning) { Dropped++; return; }
        var bytes = ScanCodes.Set2(key, down).ToList();
        if (_kbdKeys.Count + bytes.Count > DeviceBufferLimit) { Dropped++; return; }
        foreach (var b in bytes) _kbdKeys.Enqueue(b);
        KeyStrokes++;
        Pump();
    }

    /// <summary>The mouse moves by (<paramref name="dx"/>, <paramref name="dy"/>) counts, right and up positive as PS/2
    /// reports them, with <paramref name="buttons"/> held: one packet per 255 counts of the larger axis (a packet's deltas
    /// are 9-bit), sent only while the driver has reporting enabled.</summary>
    public void MoveMouse(int dx, int dy, MouseButtons buttons)
    {
        if (!_reporting) { Dropped++; return; }
        _buttons = buttons;
        do
        {
            int x = Math.Clamp(dx, -255, 255), y = Math.Clamp(dy, -255, 255);
            if (_auxPackets.Count + 3 > DeviceBufferLimit) { Dropped++; break; }
            foreach (var b in Packet(x, y)) _auxPackets.Enqueue(b);
            MousePackets++;
            dx -= x; dy -= y;
        } while (dx != 0 || dy != 0);
        Pump();
    }

    /// <summary>The 3-byte movement packet: buttons, bit 3 always set, X and Y signs (bits 4, 5), then the low bytes.</summary>
    byte[] Packet(int dx, int dy) =>
        [(byte)((byte)_buttons | 0x08 | (dx < 0 ? 0x10 : 0) | (dy < 0 ? 0x20 : 0)), (byte)dx, (byte)dy];

    void Keep(Queue<byte> q, byte b) { if (q.Count < DeviceBufferLimit) q.Enqueue(b); else Dropped++; }

    /// <summary>Moves the next byte into an empty output buffer: the controller's own replies first, then the keyboard's
    /// (unless its port is disabled), then the mouse's.</summary>
    void Pump()
    {
        if (_full) return;
        if (_controller.Count > 0) { Load(_controller.Dequeue(), false); return; }
        if ((_config & I8042Config.KeyboardDisabled) == 0)
        {
            var q = _kbdReplies.Count > 0 ? _kbdReplies : _kbdKeys;
            while (q.Count > 0)
            {
                byte b = q.Dequeue();
                if ((_config & I8042Config.Translate) != 0)
                {
                    if (b == 0xF0) { _breakPrefix = true; continue; }
                    b = (byte)(ScanCodes.Translate(b) | (_breakPrefix ? 0x80 : 0));
                    _breakPrefix = false;
                }
                Load(b, false);
                return;
            }
        }
        if ((_config & I8042Config.AuxDisabled) == 0)
        {
            var q = _auxReplies.Count > 0 ? _auxReplies : _auxPackets;
            if (q.Count > 0) Load(q.Dequeue(), true);
        }
    }

    void Load(byte b, bool aux)
    {
        _output = b; _full = true; _fromAux = aux;
        if ((_config & (aux ? I8042Config.AuxInterrupt : I8042Config.KeyboardInterrupt)) != 0) Raise(aux ? AuxIrq : KeyboardIrq);
    }

    void Raise(int irq) => Interrupt?.Invoke(irq);
}
