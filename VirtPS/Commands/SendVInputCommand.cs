using System.Management.Automation;
using VirtPS.Engine;
using VirtPS.Engine.Guests;
using VirtPS.Engine.Io.Input;

namespace VirtPS.Commands;

/// <summary>Types text, presses keys or moves the mouse on the keyboard and mouse of the guest with the input focus (see
/// Set-VInputFocus): its i8042 gets the scancodes or mouse packets and raises IRQ 1 or 12; the other guests see nothing.</summary>
[Cmdlet(VerbsCommunications.Send, "VInput", DefaultParameterSetName = TextSet)]
[OutputType(typeof(Guest))]
public sealed class SendVInputCommand : PSCmdlet
{
    const string TextSet = "Text";
    const string KeySet = "Key";
    const string MouseSet = "Mouse";

    /// <summary>Text to type: printable ASCII, with newline or carriage return as Enter, tab as Tab, backspace as
    /// Backspace, ESC as Escape; capitals and shifted symbols are typed with Shift held. A character the keyboard has no
    /// key for is InputNotTypeable, and then nothing of that string is typed. Strings from the pipeline are typed in turn.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = TextSet)]
    [AllowEmptyString]
    public string[] Text { get; set; } = [];

    /// <summary>Keys to press and release, in order, by name: Enter, Escape (Esc), Backspace, Tab, Space, F1 to F12, Up,
    /// Down, Left, Right, Home, End, PageUp, PageDown, Insert, Delete, the modifiers (LeftShift, RightCtrl, ...), letters,
    /// digits and punctuation. An unknown name is InputKeyNotFound. Names complete on Tab.</summary>
    [Parameter(Mandatory = true, ParameterSetName = KeySet)]
    [ArgumentCompleter(typeof(KeyNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string[] Key { get; set; } = [];

    /// <summary>Moves the mouse by dx, dy counts: right and up positive, as a PS/2 mouse reports. A packet carries at most
    /// 255 counts per axis, so a longer move is several packets. The guest's driver must have enabled reporting.</summary>
    [Parameter(Mandatory = true, ParameterSetName = MouseSet)]
    [ValidateCount(2, 2)]
    public int[] MouseMove { get; set; } = [];

    /// <summary>Buttons held during the move: Left, Right, Middle.</summary>
    [Parameter(ParameterSetName = MouseSet)]
    [PSDefaultValue(Help = "no buttons held")]
    public MouseButtons[] MouseButton { get; set; } = [];

    /// <summary>Write the guest the input went to.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        var lab = LabState.Current;
        try
        {
            Guest? to = null;
            switch (ParameterSetName)
            {
                case TextSet:
                    foreach (var t in Text) to = lab.SendText(t);
                    break;
                case KeySet:
                    foreach (var k in Key) Keyboard.FindKey(k);   // every name checked before any key is pressed
                    foreach (var k in Key) to = lab.SendKey(k);
                    break;
                default:
                    var buttons = MouseButton.Aggregate(MouseButtons.None, (a, b) => a | b);
                    to = lab.SendMouse(MouseMove[0], MouseMove[1], buttons);
                    break;
            }
            if (PassThru && to is not null) WriteObject(to);
        }
        catch (VirtPSException e) { WriteError(Errors.From(e)); }
    }
}
