using System.Management.Automation;
using VirtPS.Engine;
using VirtPS.Engine.Network.Stack;

namespace VirtPS.Commands;

/// <summary>Sends one probe (ping, UDP echo, or TCP connect, data and close) between two endpoints in simulated time.</summary>
[Cmdlet(VerbsDiagnostic.Test, "VConnection")]
[OutputType(typeof(ProbeResult))]
public sealed class TestVConnectionCommand : PSCmdlet
{
    /// <summary>The senders: a guest (name or object) with an adapter, host, or a simulated machine's name or
    /// address. Several senders probe in turn.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [NameTransformation]
    [ArgumentCompleter(typeof(GuestNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string[] From { get; set; } = [];

    /// <summary>The targets: a guest (name or object), host, a simulated machine's name, or any IPv4
    /// address.</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [NameTransformation]
    [ArgumentCompleter(typeof(GuestNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string[] To { get; set; } = [];

    /// <summary>Icmp (echo, the default), Udp (echo service) or Tcp (handshake, data, close).</summary>
    [Parameter]
    public ProbeProtocol Protocol { get; set; } = ProbeProtocol.Icmp;

    /// <summary>The destination port for Udp (default 7, echo) and Tcp (default 80).</summary>
    [Parameter]
    [ValidateRange(1, 65535)]
    [PSDefaultValue(Help = "7 for Udp, 80 for Tcp")]
    public int Port { get; set; }

    /// <summary>The time to live of the probe's IPv4 packets (default 64). With a small value the probe ends in
    /// TimeExceeded at the router where it expired.</summary>
    [Parameter]
    [ValidateRange(1, 255)]
    public int Ttl { get; set; } = 64;

    protected override void ProcessRecord()
    {
        int port = Port != 0 ? Port : Protocol switch { ProbeProtocol.Udp => 7, ProbeProtocol.Tcp => 80, _ => 0 };
        foreach (var from in From)
            foreach (var to in To)
            {
                try { WriteObject(LabState.Network.TestConnection(from, to, Protocol, (ushort)port, (byte)Ttl)); }
                catch (VirtPSException e) { WriteError(Errors.From(e)); }
            }
    }
}
