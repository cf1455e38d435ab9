using VirtPS.Engine.Network.Capture;
using VirtPS.Engine.Network.Frames;

namespace VirtPS.Engine.Network.Switching;

/// <summary>A cable between two switch ports (used for a bridge uplink): what enters one leaves the other.</summary>
public static class SwitchLink
{
    public static void Connect(SwitchPort a, SwitchPort b) { a.Receive = b.Send; b.Receive = a.Send; }
    public static void Disconnect(SwitchPort a, SwitchPort b) { a.Receive = null; b.Receive = null; }
}
