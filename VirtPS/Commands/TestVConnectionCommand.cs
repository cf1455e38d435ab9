using System.Management.Automation;
using VirtPS.Engine;
using VirtPS.Engine.Network.Stack;

namespace VirtPS.Commands;

/// <summary>Sends one probe (ping, UDP echo, or TCP connect, data and close) between two endpoints in simulated time.</summary>
[Cmdlet(VerbsDiagnostic.Test, "VConnection")]
[OutputType(typeof(ProbeResult))]
public sealed class TestVConnectionCommand : PSCmdlet
{
    /// <summary>The sender: a guest (name or object) with an adapter, 'host', or a simulated machine's name or address.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [NameTransformation]
    [ArgumentCompleter(typeof(GuestNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string[] From { get; set; } = [];

    /// <summary>The target: a guest (name or object), 'host', a simulated machine's name, or any IPv4 address.</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [NameTransformation]
    [ArgumentCompleter(typeof(GuestNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string[] To { get; set; } = [];

    /// <summary>Icmp (echo, the default), Udp (echo service) or Tcp (handshake, data, close).</summary>
    [Parameter]
    public ProbeProtocol Protocol { get; set; } = ProbeProtocol.Icmp;

    /// <summary>The destination port for Udp and Tcp; 7 (echo) for Udp and 80 for Tcp by default.</summary>
    [Parameter]
    [ValidateRange(1, 65535)]
    public int Port { get; set; }

    /// <summary>The IPv4 time to live of the probe; a small value shows where it expires (ICMP time exceeded).</summary>
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
