using System.Management.Automation;
using VirtPS.Engine;
using VirtPS.Engine.Guests;

namespace VirtPS.Commands;

/// <summary>Gives the keyboard and mouse to one guest (the input focus): from then on Send-VInput reaches that guest's
/// i8042 and no other guest sees anything, until the focus moves.</summary>
[Cmdlet(VerbsCommon.Set, "VInputFocus")]
[OutputType(typeof(Guest))]
public sealed class SetVInputFocusCommand : PSCmdlet
{
    /// <summary>The guest to give the focus to: a guest object (or piped), a name, or a pattern that matches one guest. It
    /// must have a keyboard (a guest of the keys workload has one), else NoInputDevice. A name that matches no guest fails
    /// parameter binding with a GuestNotFound error inside; several guests are AmbiguousName. Names complete on Tab.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [GuestTransformation]
    [ArgumentCompleter(typeof(GuestNameCompleter))]
    [SupportsWildcards]
    [AllowEmptyCollection]
    [ValidateNotNull]
    public Guest[] Guest { get; set; } = [];

    /// <summary>Write the guest that now has the focus.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        if (Guest.Length != 1)
        {
            WriteError(Errors.Create(Guest.Length == 0 ? ErrorIds.GuestNotFound : ErrorIds.AmbiguousName,
                Guest.Length == 0 ? ErrorKind.ObjectNotFound : ErrorKind.InvalidArgument,
                Guest.Length == 0 ? "No guest matched: the input focus goes to one guest." : $"The input focus goes to one guest; got {Guest.Length} ({string.Join(", ", Guest.Select(g => g.Name))}).",
                Guest.Length == 0 ? null : Guest));
            return;
        }
        try
        {
            LabState.Current.SetInputFocus(Guest[0]);
            if (PassThru) WriteObject(Guest[0]);
        }
        catch (VirtPSException e) { WriteError(Errors.From(e)); }
    }
}
