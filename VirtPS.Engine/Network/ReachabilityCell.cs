using System.Diagnostics;
using VirtPS.Engine.Network.Frames;
using VirtPS.Engine.Network.Stack;
using VirtPS.Engine.Network.Switching;

namespace VirtPS.Engine.Network;

/// <summary>One cell of a reachability matrix: did <see cref="From"/> get an answer from <see cref="To"/>?</summary>
public sealed record ReachabilityCell(string From, string To, Ipv4Address? TargetAddress, bool Success, ProbeStatus Status, Ipv4Address? ReplySource);
