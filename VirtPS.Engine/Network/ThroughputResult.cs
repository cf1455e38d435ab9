using System.Diagnostics;
using VirtPS.Engine.Network.Frames;
using VirtPS.Engine.Network.Stack;
using VirtPS.Engine.Network.Switching;

namespace VirtPS.Engine.Network;

/// <summary>What the bridge throughput bench measured.</summary>
public sealed record ThroughputResult(long FramesSent, long FramesDelivered, double HostSeconds, double FramesPerSecond);
