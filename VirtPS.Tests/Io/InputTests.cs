using VirtPS.Engine;
using VirtPS.Engine.Guests;
using VirtPS.Engine.Io.Input;
using Xunit;

namespace VirtPS.Tests.Io;

/// <summary>The i8042 at register level, as the PC/AT conventions have it.</summary>
public class I8042Tests
{
    static (I8042 c, List<int> irqs) Controller()
    {
        var irqs = new List<int>();
        var c = new I8042 { Interrupt = irqs.Add };
        return (c, irqs);
    }

    static byte Status(I8042 c) => (byte)c.In(I8042.CommandPort, 1);
    static byte Data(I8042 c) => (byte)c.In(I8042.DataPort, 1);
    static void Cmd(I8042 c, byte v) => c.Out(I8042.CommandPort, 1, v);
    static void Put(I8042 c, byte v) => c.Out(I8042.DataPort, 1, v);
    static void Config(I8042 c, byte v) { Cmd(c, 0x60); Put(c, v); }

    [Fact]
    public void PowerOnHasBothPortsOffAndNoInterrupts()
    {
        var (c, irqs) = Controller();
        Assert.Equal(I8042Status.SystemFlag | I8042Status.NotInhibited, (I8042Status)Status(c));
        Cmd(c, 0x20);
        Assert.Equal(0x01 | 0x04 | 0x08 | 0x10, Status(c) & 0x1D);   // OBF, SYS, command/data (last write to 0x64), not inhibited
        Assert.Equal(0x74, Data(c));                                 // XLAT, EN2 and EN (both disabled), SYS
        Assert.Equal(0, Status(c) & 0x01);
        Assert.Empty(irqs);
    }

    [Fact]
    public void CommandByteIsWrittenAndReadBackAndPortCommandsSetItsDisableBits()
    {
        var (c, _) = Controller();
        Config(c, 0x47);
        Assert.Equal(0, Status(c) & 0x08);                           // the argument went to 0x60
        Assert.Equal(I8042Config.Translate | I8042Config.SystemFlag | I8042Config.AuxInterrupt | I8042Config.KeyboardInterrupt, c.Config);
        Cmd(c, 0xAD); Cmd(c, 0xA7);
        Assert.Equal(0x47 | 0x30, (byte)c.Config);
        Cmd(c, 0xAE); Cmd(c, 0xA8);
        Assert.Equal(0x47, (byte)c.Config);
        Cmd(c, 0xAA); Assert.Equal(0x55, Data(c));                   // controller self-test
        Cmd(c, 0xAB); Assert.Equal(0x00, Data(c));                   // keyboard interface test
    }

    [Fact]
    public void AKeyboardByteRaisesIrq1AndIsTranslatedToSet1()
    {
        var (c, irqs) = Controller();
        Config(c, 0x47);
        c.Key(ScanCodes.Find("a")!.Value, true);
        Assert.Equal([1], irqs);
        Assert.Equal(0x01, Status(c) & 0x21);                        // OBF, not AUXB
        Assert.Equal(0x1E, Data(c));                                 // set 1 make code of A (set 2: 0x1C)
        c.Key(ScanCodes.Find("a")!.Value, false);
        Assert.Equal(0x9E, Data(c));                                 // 0xF0 0x1C becomes the break code 0x9E
        Assert.Equal([1, 1], irqs);
        Assert.Equal(0, Status(c) & 0x01);
    }

    [Fact]
    public void WithoutTranslationTheKeyboardSpeaksSet2()
    {
        var (c, _) = Controller();
        Config(c, 0x07);
        c.Key(ScanCodes.Find("Up")!.Value, false);
        Assert.Equal([0xE0, 0xF0, 0x75], new[] { Data(c), Data(c), Data(c) });
    }

    [Fact]
    public void KeysWaitInTheKeyboardWhileItsPortIsDisabledAndNoInterruptWithoutInt()
    {
        var (c, irqs) = Controller();
        c.Key(ScanCodes.Find("b")!.Value, true);                    // power-on: keyboard port off
        Assert.Equal(0, Status(c) & 0x01);
        Config(c, 0x44);                                             // port on, INT off
        Assert.Equal(0x01, Status(c) & 0x01);
        Assert.Empty(irqs);
        Config(c, 0x45);                                             // INT on while OBF: IRQ 1 now
        Assert.Equal([1], irqs);
        Assert.Equal(0x30, Data(c));
    }

    [Fact]
    public void MouseBytesRaiseIrq12WithAuxb()
    {
        var (c, irqs) = Controller();
        Config(c, 0x47);
        c.MoveMouse(10, 5, MouseButtons.None);
        Assert.Empty(irqs);                                          // reporting is off until the driver enables it
        Cmd(c, 0xD4); Put(c, 0xF4);                                 // write to aux: enable data reporting
        Assert.Equal([12], irqs);
        Assert.Equal(0x21, Status(c) & 0x21);                        // OBF and AUXB
        Assert.Equal(0xFA, Data(c));                                 // the mouse's ACK
        c.MoveMouse(10, -5, MouseButtons.Left);
        var packet = new[] { Data(c), Data(c), Data(c) };
        Assert.Equal(new byte[] { 0x08 | 0x20 | 0x01, 10, 0xFB }, packet);   // bit 3, Y sign, left button; 10; -5
        Assert.Equal([12, 12, 12, 12], irqs);
        Cmd(c, 0xD4); Put(c, 0xF2);                                 // device id
        Assert.Equal(0xFA, Data(c)); Assert.Equal(0x00, Data(c));
    }

    [Fact]
    public void KeyboardRepliesToItsCommands()
    {
        var (c, _) = Controller();
        Config(c, 0x04);
        Put(c, 0xEE); Assert.Equal(0xEE, Data(c));                  // echo
        Put(c, 0xF2); Assert.Equal([0xFA, 0xAB, 0x83], new[] { Data(c), Data(c), Data(c) });
        Put(c, 0xFF); Assert.Equal([0xFA, 0xAA], new[] { Data(c), Data(c) });
    }

    [Fact]
    public void TextBecomesShiftedAndUnshiftedKeys()
    {
        var s = Keyboard.Strokes("aB!\n");
        Assert.Equal(["a", "b", "1", "Enter"], s.Select(k => k.Key.Name));
        Assert.Equal([false, true, true, false], s.Select(k => k.Shift));
        var (c, _) = Controller();
        Config(c, 0x44);
        var kbd = new Keyboard();
        Assert.Equal("InputNotTypeable", Assert.Throws<VirtPSException>(() => kbd.Type("é")).ErrorId);
        Assert.Equal("InputKeyNotFound", Assert.Throws<VirtPSException>(() => kbd.Press("Hyper")).ErrorId);
        Assert.Equal(0, kbd.Controller.KeyStrokes);
    }
}

/// <summary>The keys workload under the built-in kernel: input reaches only the guest with the focus.</summary>
public class InputFocusTests
{
    const string Boot = "virtps kernel: booting\n";

    static Guest Keys(Lab lab, string name, VirtualizationStyle style = VirtualizationStyle.Native, long iterations = 16) =>
        lab.Create(new GuestSpec { Name = name, Kind = GuestImageKind.Workload, Workload = "keys", Iterations = iterations, Style = style, MemoryMB = 16 });

    static string Echo(Guest g) => g.Machine.Console.Output[Boot.Length..];

    [Fact]
    public void KeysReachOnlyTheGuestWithTheFocus()
    {
        var lab = new Lab();
        var a = Keys(lab, "a");
        var b = Keys(lab, "b");
        Assert.Equal("NoInputFocus", Assert.Throws<VirtPSException>(() => lab.SendText("x")).ErrorId);
        lab.SetInputFocus(a);
        lab.SendText("ab");
        a.Step(300_000); b.Step(300_000);
        Assert.Equal("ab", Echo(a));
        Assert.Equal("", Echo(b));
        lab.SetInputFocus(b);
        lab.SendText("c");
        a.Step(300_000); b.Step(300_000);
        Assert.Equal("ab", Echo(a));
        Assert.Equal("c", Echo(b));
        Assert.Equal(GuestState.Ready, a.State);
        lab.SendKey("Escape");
        var r = b.Step(300_000);
        Assert.Equal(StopReason.Halt, r.StopReason);
        Assert.Equal("c\nkeys: done\n", Echo(b)[..13]);
    }

    [Theory]
    [InlineData(VirtualizationStyle.Native)]
    [InlineData(VirtualizationStyle.Emulation)]
    [InlineData(VirtualizationStyle.TrapAndEmulate)]
    [InlineData(VirtualizationStyle.BinaryTranslation)]
    [InlineData(VirtualizationStyle.HardwareAssisted)]
    [InlineData(VirtualizationStyle.Paravirtual)]
    public void KeysEchoesUnderEveryStyle(VirtualizationStyle style)
    {
        var lab = new Lab();
        var g = Keys(lab, "k", style, iterations: 9);
        lab.SetInputFocus(g);
        g.Step(100_000);                         // booted, waiting for keys
        lab.SendText("Hi, VM!\n");
        lab.SendKey("Backspace");
        var r = g.Step(2_000_000);
        Assert.Equal(StopReason.Halt, r.StopReason);
        Assert.StartsWith("Hi, VM!\n\b\nkeys: done\n", Echo(g));
        var kbd = (Keyboard)g.Device("kbd")!;
        // Every register access is the VMM's (the Emulation style's device path counts none per device yet).
        if (style is not (VirtualizationStyle.Native or VirtualizationStyle.Emulation)) Assert.True(kbd.Counters.Intercepts > 0);
        // IRQ 1 per byte natively; the paravirtual kernel polls with the controller's interrupts off.
        if (style == VirtualizationStyle.Paravirtual) Assert.Equal(0, kbd.Counters.Interrupts);
        else Assert.True(kbd.Counters.Interrupts >= 2 * 9);
        Assert.Equal(kbd.Controller.BytesRead, kbd.Counters.Bytes);
        Assert.InRange(g.KernelSummary!.Syscalls, Workload.Find("keys")!.ExpectedSyscalls(9, 1), long.MaxValue);   // the least
        Assert.Equal(0, g.Machine.DecodeInvalidations);
    }
}
