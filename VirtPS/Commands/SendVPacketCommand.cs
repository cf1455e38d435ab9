using System.Management.Automation;
using System.Text;
using VirtPS.Engine;
using VirtPS.Engine.Network;

namespace VirtPS.Commands;

/// <summary>Puts a raw Ethernet frame, or one UDP datagram, on the wire and returns what each device did with it.</summary>
[Cmdlet(VerbsCommunications.Send, "VPacket", DefaultParameterSetName = UdpSet)]
[OutputType(typeof(HopRecord))]
public sealed class SendVPacketCommand : PSCmdlet
{
    const string UdpSet = "Udp";
    const string FrameSet = "Frame";

    /// <summary>The sender: a guest (name or object) with an adapter, host, or a simulated machine's name or
    /// address.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [NameTransformation]
    [ArgumentCompleter(typeof(GuestNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string From { get; set; } = "";

    /// <summary>The complete frame's bytes from the destination MAC address on (no preamble, no FCS), sent as given
    /// out of the sender's first adapter; one shorter than an Ethernet header (14 bytes) is
    /// FrameTooShort.</summary>
    [Parameter(Mandatory = true, ParameterSetName = FrameSet)]
    [ValidateNotNull]
    public byte[] Frame { get; set; } = [];

    /// <summary>The datagram's target: a guest (name or object), host, a simulated machine's name, or an IPv4
    /// address.</summary>
    [Parameter(Mandatory = true, Position = 1, ParameterSetName = UdpSet)]
    [NameTransformation]
    [ArgumentCompleter(typeof(GuestNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string To { get; set; } = "";

    /// <summary>The destination UDP port (default 9, discard; 7 is echo on every simulated machine).</summary>
    [Parameter(ParameterSetName = UdpSet)]
    [ValidateRange(1, 65535)]
    public int Port { get; set; } = 9;

    /// <summary>The source UDP port (default 40000).</summary>
    [Parameter(ParameterSetName = UdpSet)]
    [ValidateRange(1, 65535)]
    public int SourcePort { get; set; } = 40000;

    /// <summary>The payload: bytes, or a string sent as UTF-8.</summary>
    [Parameter(ParameterSetName = UdpSet)]
    public object? Data { get; set; }

    const int EthernetHeaderLength = VirtPS.Engine.Network.Frames.FrameCodec.EthernetHeaderLength;

    protected override void ProcessRecord()
    {
        if (ParameterSetName == FrameSet && Frame.Length < EthernetHeaderLength)
        {
            // The engine's switch drops a runt without a word; say so here and send nothing.
            WriteError(Errors.Create(ErrorIds.FrameTooShort, ErrorKind.InvalidArgument,
                $"A frame of {Frame.Length} bytes is shorter than an Ethernet header ({EthernetHeaderLength} bytes).", Frame));
            return;
        }
        try
        {
            var hops = ParameterSetName == FrameSet
                ? LabState.Network.SendFrame(From, Frame)
                : LabState.Network.SendUdp(From, To, (ushort)Port, Payload(), (ushort)SourcePort);
            WriteObject(hops, enumerateCollection: true);
        }
        catch (VirtPSException e) { WriteError(Errors.From(e)); }
    }

    byte[] Payload() => (Data is PSObject p ? p.BaseObject : Data) switch
    {
        null => [],
        byte[] b => b,
        string s => Encoding.UTF8.GetBytes(s),
        object[] a => a.Select(o => Convert.ToByte(o is PSObject q ? q.BaseObject : o)).ToArray(),
        var o => Encoding.UTF8.GetBytes(o.ToString() ?? ""),
    };
}
