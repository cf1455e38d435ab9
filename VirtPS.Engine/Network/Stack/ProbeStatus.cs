using VirtPS.Engine.Network.Frames;

namespace VirtPS.Engine.Network.Stack;

/// <summary>How a probe ended: a reply, a protocol error from some node, or nothing.</summary>
public enum ProbeStatus { Reply, TimeExceeded, DestinationUnreachable, Reset, NoRoute, Timeout }
