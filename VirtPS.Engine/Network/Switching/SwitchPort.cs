using VirtPS.Engine.Network.Capture;
using VirtPS.Engine.Network.Frames;

namespace VirtPS.Engine.Network.Switching;

/// <summary>A switch port seen from the device plugged into it: an <see cref="INetworkAdapter"/>.</summary>
public sealed class SwitchPort : INetworkAdapter
{
    internal SwitchPort(LearningSwitch sw, string name) { Switch = sw; Name = name; }
    public LearningSwitch Switch { get; }
    public string Name { get; }
    internal bool Removed { get; set; }
    public Action<byte[]>? Receive { get; set; }
    /// <summary>Frames in both directions through this port (the per-adapter view).</summary>
    public PacketCapture Capture { get; } = new();
    public void Send(byte[] frame) => Switch.Ingress(this, frame);
    internal void Deliver(byte[] frame, long now)
    {
        Capture.Record(now, frame);
        Receive?.Invoke(frame);
    }
}
