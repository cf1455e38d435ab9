using System.Management.Automation;
using System.Text;
using VirtPS.Engine.Guests;

namespace VirtPS.Commands;

/// <summary>Types text into a guest's serial console: the bytes wait in the UART's receive FIFO for the guest to read.</summary>
[Cmdlet(VerbsCommunications.Send, "VConsole")]
public sealed class SendVConsoleCommand : PSCmdlet
{
    /// <summary>The guests to type into: guest objects, names or wildcard patterns; each receives the same text.
    /// A name that matches no guest fails parameter binding with a GuestNotFound error inside.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [GuestTransformation]
    [ArgumentCompleter(typeof(GuestNameCompleter))]
    [SupportsWildcards]
    [AllowEmptyCollection]
    [ValidateNotNull]
    public Guest[] Guest { get; set; } = [];

    /// <summary>The text to send, as ASCII; several strings, or strings from the pipeline, are sent one after
    /// another, each followed by a carriage return unless -NoNewline.</summary>
    [Parameter(Mandatory = true, Position = 1, ValueFromPipeline = true)]
    [AllowEmptyString]
    public string[] Text { get; set; } = [];

    /// <summary>Do not add a carriage return after each string.</summary>
    [Parameter]
    public SwitchParameter NoNewline { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var t in Text)
            foreach (var g in Guest) g.Console.Receive(Encoding.ASCII.GetBytes(NoNewline ? t : t + "\r"));
    }
}
