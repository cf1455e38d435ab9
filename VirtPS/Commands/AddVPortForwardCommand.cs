using System.Management.Automation;
using VirtPS.Engine;
using VirtPS.Engine.Network;
using VirtPS.Engine.Network.Frames;

namespace VirtPS.Commands;

/// <summary>Forwards a TCP or UDP port of the host's pnet0 address to a guest on a Nat network (inbound NAT).</summary>
[Cmdlet(VerbsCommon.Add, "VPortForward", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(PortForward))]
public sealed class AddVPortForwardCommand : PSCmdlet
{
    /// <summary>The Nat network (name or object) the guest is on; a network not in Nat mode is
    /// NotNatNetwork.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [NameTransformation]
    [ArgumentCompleter(typeof(NetworkNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string Network { get; set; } = "";

    /// <summary>Tcp or Udp.</summary>
    [Parameter(Mandatory = true)]
    [ValidateSet("Tcp", "Udp")]
    public string Protocol { get; set; } = "Tcp";

    /// <summary>The port on the host's pnet0 address that outside machines connect to; one already forwarded is
    /// PortForwardExists.</summary>
    [Parameter(Mandatory = true)]
    [ValidateRange(1, 65535)]
    public int HostPort { get; set; }

    /// <summary>The guest (name or object) that receives the forwarded traffic: the rule's destination, which must
    /// have an adapter on the network (else GuestNotFound, written by the network).</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [Alias("GuestName")]
    [NameTransformation]
    [ArgumentCompleter(typeof(GuestNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string Guest { get; set; } = "";

    /// <summary>The port on the guest; the host port by default.</summary>
    [Parameter]
    [ValidateRange(1, 65535)]
    [PSDefaultValue(Help = "the host port (-HostPort)")]
    public int GuestPort { get; set; }

    /// <summary>Writes the new rule to the pipeline.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        var proto = Protocol.Equals("Udp", StringComparison.OrdinalIgnoreCase) ? IpProtocol.Udp : IpProtocol.Tcp;
        int guestPort = GuestPort == 0 ? HostPort : GuestPort;
        if (!ShouldProcess($"{proto} {HostPort}", $"Forward to {Guest}:{guestPort} on '{Network}'")) return;
        try
        {
            var pf = LabState.Network.AddPortForward(Network, proto, (ushort)HostPort, Guest, (ushort)guestPort);
            if (PassThru) WriteObject(pf);
        }
        catch (VirtPSException e) { WriteError(Errors.From(e)); }
    }
}
