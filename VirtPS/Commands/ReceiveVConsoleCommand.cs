using System.Management.Automation;
using System.Runtime.CompilerServices;
using VirtPS.Engine;
using VirtPS.Engine.Guests;

namespace VirtPS.Commands;

/// <summary>
/// Returns what a guest printed on its serial console (the UART at 0x3F8) since the last Receive-VConsole.
/// With -Wait and nothing new yet, runs the guest until it prints, stops, or Ctrl+C.
/// </summary>
[Cmdlet(VerbsCommunications.Receive, "VConsole")]
[OutputType(typeof(string))]
public sealed class ReceiveVConsoleCommand : PSCmdlet
{
    /// <summary>Where each guest's console was last read up to.</summary>
    static readonly ConditionalWeakTable<Guest, StrongBox<int>> Cursors = new();

    /// <summary>The guests whose console to read: guest objects (usually piped), names or wildcard patterns, one
    /// after another. A name that matches no guest fails parameter binding with a GuestNotFound error inside.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [GuestTransformation]
    [ArgumentCompleter(typeof(GuestNameCompleter))]
    [SupportsWildcards]
    [AllowEmptyCollection]
    [ValidateNotNull]
    public Guest[] Guest { get; set; } = [];

    /// <summary>Return everything printed since the guest started, not only what is new.</summary>
    [Parameter]
    public SwitchParameter All { get; set; }

    /// <summary>If nothing new has been printed, run the guest until it prints something, stops, or
    /// Ctrl+C.</summary>
    [Parameter]
    public SwitchParameter Wait { get; set; }

    readonly CancellationTokenSource _cancel = new();

    protected override void ProcessRecord()
    {
        foreach (var g in Guest) Receive(g);
    }

    void Receive(Guest guest)
    {
        var console = guest.Console;
        var cursor = Cursors.GetValue(guest, _ => new StrongBox<int>(0));
        if (Wait)
        {
            // Run in small slices until the console grows; a guest that cannot run further ends the wait.
            while (console.OutputLength == cursor.Value && guest.State == GuestState.Ready && !_cancel.IsCancellationRequested)
            {
                try { guest.Step(100_000, _cancel.Token); }
                catch (VirtPSException e) { WriteError(Errors.From(e)); break; }
            }
        }
        string text = All ? console.Output : console.OutputFrom(cursor.Value);
        cursor.Value = console.OutputLength;
        if (text.Length > 0) WriteObject(text);
    }

    protected override void StopProcessing() => _cancel.Cancel();
}
